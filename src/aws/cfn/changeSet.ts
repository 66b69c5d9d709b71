import type { Change } from '@aws-sdk/client-cloudformation';
import { StagecraftError } from '../../core/errors';
import type { AwsClients } from '../clients';
import { sleep } from '../wait';

/** One resource change as "Review changes" shows it. */
export interface ResourceChange {
  action: 'Add' | 'Modify' | 'Remove' | 'Import' | 'Dynamic' | 'SyncWithActual' | string;
  logicalId: string;
  type: string;
  /** True when CloudFormation will (or may: 'Conditional') replace the resource: a new database, a new load balancer… */
  replacement: 'True' | 'False' | 'Conditional' | undefined;
  /** What changes on a Modify: Properties, Tags, Metadata… */
  scope: string[];
}

/** What a change set will do, grouped as the review shows it. */
export interface ChangeReview {
  stackName: string;
  changeSetType: 'CREATE' | 'UPDATE';
  added: ResourceChange[];
  modified: ResourceChange[];
  /** Modified resources that will be (or may be) replaced: the risky ones, listed apart. */
  replaced: ResourceChange[];
  removed: ResourceChange[];
}

export interface CreatedChangeSet {
  id: string;
  stackId: string;
  /** CloudFormation found nothing to change ("No updates are to be performed"): a success. */
  noChanges: boolean;
  review: ChangeReview;
}

export interface ChangeSetRequest {
  stackName: string;
  type: 'CREATE' | 'UPDATE';
  templateBody: string;
  parameters: Array<{ ParameterKey: string; ParameterValue: string }>;
  tags: Array<{ Key: string; Value: string }>;
  /** Alarms that roll the update back when they fire during it (ignored on create: they do not exist yet). */
  rollbackAlarmArns?: string[];
  /** Minutes CloudFormation keeps watching the alarms after the update (0: during it only). */
  monitoringMinutes?: number;
  description?: string;
  /** The change set's name; absent: a new `stagecraft-…` one. Known before it exists, so a caller can delete it whatever happens. */
  changeSetName?: string;
  /** A service role CloudFormation acts as (the pipeline's DeployRole); absent: the caller's credentials. */
  roleArn?: string;
  signal?: AbortSignal;
  /** How often to ask whether the change set is ready. */
  pollMs?: number;
  /** How long CloudFormation may take to compute the change set. */
  timeoutMs?: number;
}

const NO_CHANGES = /didn't contain changes|No updates are to be performed/i;

export function toResourceChange(c: Change): ResourceChange | undefined {
  const r = c.ResourceChange;
  if (!r) return undefined;
  return {
    action: r.Action ?? 'Modify',
    logicalId: r.LogicalResourceId ?? '',
    type: r.ResourceType ?? '',
    replacement: (r.Replacement as ResourceChange['replacement']) ?? undefined,
    scope: r.Scope ?? [],
  };
}

export function groupChanges(stackName: string, changeSetType: 'CREATE' | 'UPDATE', changes: ResourceChange[]): ChangeReview {
  const review: ChangeReview = { stackName, changeSetType, added: [], modified: [], replaced: [], removed: [] };
  for (const c of changes) {
    if (c.action === 'Add' || c.action === 'Import') review.added.push(c);
    else if (c.action === 'Remove') review.removed.push(c);
    else if (c.replacement === 'True' || c.replacement === 'Conditional') review.replaced.push(c);
    else review.modified.push(c);
  }
  return review;
}

/** "3 to add, 1 to modify, 1 to replace (Database), 0 to remove" */
export function summarizeReview(r: ChangeReview): string {
  const names = (list: ResourceChange[]) => (list.length ? ` (${list.map(c => c.logicalId).join(', ')})` : '');
  return `${r.added.length} to add, ${r.modified.length} to modify${names(r.modified)}, ${r.replaced.length} to replace${names(r.replaced)}, ${r.removed.length} to remove${names(r.removed)}`;
}

/** Creates a change set and waits until CloudFormation has computed it. */
export async function createChangeSet(clients: AwsClients, req: ChangeSetRequest): Promise<CreatedChangeSet> {
  const cfn = await import('@aws-sdk/client-cloudformation');
  const cf = await clients.cloudFormation();
  const name = req.changeSetName ?? `stagecraft-${Date.now().toString(36)}`;
  const created = await clients.call(`Create change set for ${req.stackName}`, req.signal, o =>
    cf.send(
      new cfn.CreateChangeSetCommand({
        StackName: req.stackName,
        ChangeSetName: name,
        ChangeSetType: req.type,
        TemplateBody: req.templateBody,
        Parameters: req.parameters,
        Tags: req.tags,
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
        Description: req.description,
        RoleARN: req.roleArn,
        RollbackConfiguration:
          req.type === 'UPDATE' && req.rollbackAlarmArns?.length
            ? { RollbackTriggers: req.rollbackAlarmArns.map(Arn => ({ Arn, Type: 'AWS::CloudWatch::Alarm' })), MonitoringTimeInMinutes: req.monitoringMinutes ?? 0 }
            : undefined,
        // A failed first create deletes what it made instead of leaving ROLLBACK_COMPLETE behind.
        OnStackFailure: req.type === 'CREATE' ? 'DELETE' : undefined,
      }),
      o,
    ),
  );
  const id = created.Id ?? name;
  const stackId = created.StackId ?? req.stackName;
  const deadline = Date.now() + (req.timeoutMs ?? 10 * 60_000);
  let wait = req.pollMs ?? 500;
  for (;;) {
    const changes: ResourceChange[] = [];
    let token: string | undefined;
    let status: string | undefined;
    let reason: string | undefined;
    do {
      const out = await clients.call(`Read change set for ${req.stackName}`, req.signal, o => cf.send(new cfn.DescribeChangeSetCommand({ ChangeSetName: id, StackName: stackId, NextToken: token }), o));
      status = out.Status;
      reason = out.StatusReason;
      for (const c of out.Changes ?? []) {
        const rc = toResourceChange(c);
        if (rc) changes.push(rc);
      }
      token = out.NextToken;
    } while (token);

    if (status === 'CREATE_COMPLETE') return { id, stackId, noChanges: false, review: groupChanges(req.stackName, req.type, changes) };
    if (status === 'FAILED') {
      if (NO_CHANGES.test(reason ?? '')) return { id, stackId, noChanges: true, review: groupChanges(req.stackName, req.type, []) };
      throw new StagecraftError(`${req.stackName}: CloudFormation could not prepare the change: ${reason ?? 'no reason given'}`, {
        hint: 'Fix what the reason names (often a template parameter or a resource property), then deploy again.',
      });
    }
    if (Date.now() > deadline) {
      throw new StagecraftError(`${req.stackName}: the change set was still ${status} after ${Math.round((req.timeoutMs ?? 600_000) / 1000)} s.`, {
        hint: 'Look at the stack in the CloudFormation console; deploy again once it is idle.',
      });
    }
    await sleep(wait, req.signal);
    wait = Math.min(wait * 2, 4_000);
  }
}

export async function deleteChangeSet(clients: AwsClients, id: string, stackId: string, signal?: AbortSignal): Promise<void> {
  const { DeleteChangeSetCommand } = await import('@aws-sdk/client-cloudformation');
  const cf = await clients.cloudFormation();
  await clients.call('Delete change set', signal, o => cf.send(new DeleteChangeSetCommand({ ChangeSetName: id, StackName: stackId }), o));
}
