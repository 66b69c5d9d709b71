import { isCancelled, StagecraftError, throwIfAborted, toStagecraftError } from '../../core/errors';
import type { AwsClients } from '../clients';
import { sleep } from '../wait';
import { createChangeSet, deleteChangeSet, summarizeReview, type ChangeReview } from './changeSet';
import { firstFailure, formatEvent, StackEventFollower, type StackEventLine } from './events';
import { describeStack, FAILED_END, isInProgress, UPDATABLE, type StackInfo } from './stacks';

/** How often a running operation's events and status are read: an event becomes a line within about this long. */
export const EVENT_POLL_MS = 1_000;

export interface DeployStackRequest {
  stackName: string;
  /** Where the stack belongs, for messages: "shop/prod". */
  label: string;
  templateBody: string;
  parameters: Array<{ ParameterKey: string; ParameterValue: string }>;
  tags: Array<{ Key: string; Value: string }>;
  /** Turn termination protection on when this deploy creates the stack (protected stages). */
  protectOnCreate?: boolean;
  /** Alarms that roll an update back while it runs. */
  rollbackAlarmArns?: string[];
  /** Minutes CloudFormation keeps watching those alarms after the update (0: during it only). */
  monitoringMinutes?: number;
  /** A service role CloudFormation acts as (the pipeline's DeployRole); absent: the caller's credentials. */
  roleArn?: string;
  /** "Review changes": resolve false to stop before anything changes. Absent: go ahead. */
  review?: (review: ChangeReview) => Promise<boolean>;
  /**
   * A stack left in ROLLBACK_COMPLETE (its first create failed) cannot be updated, only deleted.
   * Resolve true to delete it and create it again; absent or false: stop with the explanation.
   */
  confirmRecreate?: (stack: StackInfo, why: string) => Promise<boolean>;
  onEvent?: (event: StackEventLine) => void;
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** How often events and status are read while the stack changes (≤ 2 s keeps events prompt). */
  pollMs?: number;
  /** Give up waiting after this long (the operation itself goes on in CloudFormation). */
  timeoutMs?: number;
}

export interface DeployStackResult {
  outcome: 'created' | 'updated' | 'unchanged';
  stack: StackInfo;
  review: ChangeReview;
  events: StackEventLine[];
}

/**
 * Creates or updates a stack through a change set: prepare, review, execute, follow the events to
 * the end. "No updates are to be performed" is a success. A failure names the first resource that
 * failed and why; a stack that cannot be updated says what to do about it.
 */
export async function deployStack(clients: AwsClients, req: DeployStackRequest): Promise<DeployStackResult> {
  const log = req.log ?? (() => undefined);
  let existing = await describeStack(clients, req.stackName, req.signal, `${req.label}: read stack ${req.stackName}`);

  if (existing?.status === 'ROLLBACK_COMPLETE' || existing?.status === 'ROLLBACK_FAILED') {
    const why = rollbackCompleteExplanation(req, existing);
    if (!req.confirmRecreate || !(await req.confirmRecreate(existing, why))) {
      throw new StagecraftError(why, {
        kind: 'input',
        hint: `Delete ${req.stackName} and deploy again (Destroy Stage, or confirm "delete and recreate" when deploying).`,
      });
    }
    log(`${req.label}: deleting ${req.stackName} (${existing.status}) to create it again`);
    await deleteAndWait(clients, existing, req);
    existing = undefined;
  }
  if (existing && isInProgress(existing.status) && existing.status !== 'REVIEW_IN_PROGRESS') {
    throw new StagecraftError(`${req.label}: ${req.stackName} is busy (${existing.status}); another deployment is running.`, {
      kind: 'input',
      hint: 'Wait until it ends (watch it in the tree or the CloudFormation console), then deploy again.',
    });
  }
  if (existing && existing.status !== 'REVIEW_IN_PROGRESS' && !UPDATABLE.has(existing.status)) {
    throw new StagecraftError(`${req.label}: ${req.stackName} is in ${existing.status}${existing.statusReason ? ` (${existing.statusReason})` : ''} and cannot be updated.`, {
      kind: 'input',
      hint:
        existing.status === 'UPDATE_ROLLBACK_FAILED'
          ? 'Continue the rollback in the CloudFormation console ("Continue update rollback"), or with `aws cloudformation continue-update-rollback`, then deploy again.'
          : 'Fix or delete the stack in the CloudFormation console, then deploy again.',
    });
  }
  // A stack in REVIEW_IN_PROGRESS only holds an unexecuted change set: it is created, not updated.
  const type = existing && existing.status !== 'REVIEW_IN_PROGRESS' ? 'UPDATE' : 'CREATE';

  log(`${req.label}: preparing the change set for ${req.stackName} (${type === 'CREATE' ? 'new stack' : 'update'})`);
  const changeSet = await createChangeSet(clients, {
    stackName: req.stackName,
    type,
    templateBody: req.templateBody,
    parameters: req.parameters,
    tags: req.tags,
    rollbackAlarmArns: req.rollbackAlarmArns,
    monitoringMinutes: req.monitoringMinutes,
    roleArn: req.roleArn,
    description: `Stagecraft deploy of ${req.label}`,
    signal: req.signal,
    pollMs: req.pollMs,
  });
  if (changeSet.noChanges) {
    log(`${req.label}: no changes — ${req.stackName} is already up to date`);
    await deleteChangeSet(clients, changeSet.id, changeSet.stackId, req.signal).catch(() => undefined);
    return { outcome: 'unchanged', stack: existing!, review: changeSet.review, events: [] };
  }
  log(`${req.label}: ${summarizeReview(changeSet.review)}`);

  if (req.review && !(await req.review(changeSet.review))) {
    await abandon(clients, changeSet.id, changeSet.stackId, type, req);
    throw StagecraftError.cancelled(`Deploy of ${req.label}`);
  }
  throwIfAborted(req.signal, `Deploy of ${req.label}`);

  const follower = new StackEventFollower(clients, changeSet.stackId, req.stackName, e => {
    req.onEvent?.(e);
    log(`${req.label}: ${formatEvent(e)}`);
  });
  await follower.baseline(req.signal);
  const { ExecuteChangeSetCommand } = await import('@aws-sdk/client-cloudformation');
  const cf = await clients.cloudFormation();
  const execute = `${req.label}: execute the change set of ${req.stackName}`;
  try {
    await clients.call(execute, req.signal, o => cf.send(new ExecuteChangeSetCommand({ ChangeSetName: changeSet.id, StackName: changeSet.stackId }), o));
  } catch (err) {
    // Rejected before anything started: say so, and name the stack.
    const e = toStagecraftError(err);
    if (e.cancelled) throw e;
    const reason = e.message.startsWith(`${execute}: `) ? e.message.slice(execute.length + 2) : e.message;
    throw new StagecraftError(`${req.label}: CloudFormation did not start the ${type === 'CREATE' ? 'creation' : 'update'} of ${req.stackName}: ${reason}`, {
      cause: err,
      hint: e.hint ?? 'Nothing was changed. Fix what the message names and deploy again.',
    });
  }

  const final = await followToEnd(clients, changeSet.stackId, follower, req, type);
  // OnStackFailure: DELETE — a failed create ends in DELETE_COMPLETE, which is still a failure.
  if (FAILED_END.has(final.status) || !final.status.endsWith('_COMPLETE') || final.status.startsWith('DELETE')) {
    throw failureError(req, final, follower.events, type);
  }
  if (type === 'CREATE' && req.protectOnCreate) {
    // The stack exists and serves: a refused protection call is a warning naming it, not a failed deploy.
    try {
      await setTerminationProtection(clients, changeSet.stackId, true, req.signal, req.label);
      log(`${req.label}: termination protection is on for ${req.stackName}`);
      final.terminationProtection = true;
    } catch (err) {
      if (err instanceof StagecraftError && err.cancelled) throw err;
      log(`${req.label}: warning: ${req.stackName} was created, but turning its termination protection on failed (${(err as Error).message}). Turn it on with: aws cloudformation update-termination-protection --enable-termination-protection --stack-name ${req.stackName}`);
    }
  }
  log(`${req.label}: ${final.status}`);
  return { outcome: type === 'CREATE' ? 'created' : 'updated', stack: final, review: changeSet.review, events: follower.events };
}

/** Reads events and status until the stack leaves *_IN_PROGRESS (then reads the last events). */
async function followToEnd(clients: AwsClients, stackId: string, follower: StackEventFollower, req: DeployStackRequest, type: 'CREATE' | 'UPDATE'): Promise<StackInfo> {
  const pollMs = req.pollMs ?? EVENT_POLL_MS;
  const deadline = Date.now() + (req.timeoutMs ?? 3 * 3_600_000);
  for (;;) {
    try {
      await follower.poll(req.signal);
      const now = await describeStack(clients, stackId, req.signal, `${req.label}: read stack ${req.stackName}`);
      if (!now) throw new StagecraftError(`${req.label}: ${req.stackName} disappeared while it was being deployed (deleted by someone else?).`);
      if (!isInProgress(now.status)) {
        await follower.poll(req.signal);
        return now;
      }
      if (Date.now() > deadline) {
        throw new StagecraftError(`${req.label}: ${req.stackName} is still ${now.status} after ${Math.round((req.timeoutMs ?? 0) / 60_000) || 180} minutes; Stagecraft stopped waiting.`, {
          hint: 'The operation goes on in CloudFormation; follow it in the console and refresh the tree.',
        });
      }
      await sleep(pollMs, req.signal);
    } catch (err) {
      if (isCancelled(err)) await onCancel(clients, stackId, req, type);
      throw err;
    }
  }
}

/** Cancelling an update rolls it back; a create cannot be stopped, so the user is told it goes on. */
async function onCancel(clients: AwsClients, stackId: string, req: DeployStackRequest, type: 'CREATE' | 'UPDATE'): Promise<void> {
  const log = req.log ?? (() => undefined);
  if (type === 'UPDATE') {
    const { CancelUpdateStackCommand } = await import('@aws-sdk/client-cloudformation');
    const cf = await clients.cloudFormation();
    try {
      await clients.call(`${req.label}: cancel the update`, undefined, o => cf.send(new CancelUpdateStackCommand({ StackName: stackId }), o));
      log(`${req.label}: cancelled — CloudFormation is rolling ${req.stackName} back to its previous version`);
    } catch (err) {
      log(`${req.label}: could not cancel the update of ${req.stackName}: ${(err as Error).message}`);
    }
  } else {
    log(`${req.label}: stopped following; CloudFormation goes on creating ${req.stackName} (it cannot be interrupted)`);
  }
}

function failureError(req: DeployStackRequest, final: StackInfo, events: StackEventLine[], type: 'CREATE' | 'UPDATE'): StagecraftError {
  const first = firstFailure(events);
  const cause = first && !first.isStack ? `${first.logicalId} (${first.type}) ${first.status}: ${first.reason ?? 'no reason given'}` : (first?.reason ?? final.statusReason ?? 'CloudFormation gave no reason');
  const what = type === 'CREATE' ? 'creating' : 'updating';
  const state =
    final.status === 'UPDATE_ROLLBACK_COMPLETE'
      ? 'The update was rolled back; the previous version keeps serving.'
      : final.status === 'ROLLBACK_COMPLETE'
        ? `${req.stackName} is now in ROLLBACK_COMPLETE: it must be deleted before it can be created again.`
        : final.status === 'DELETE_COMPLETE'
          ? `CloudFormation deleted what it had created of ${req.stackName}; nothing is left behind.`
          : `${req.stackName} ended in ${final.status}.`;
  return new StagecraftError(`${req.label}: ${what} ${req.stackName} failed at ${endSentence(cause)} ${state}`, {
    hint:
      final.status === 'ROLLBACK_COMPLETE'
        ? 'Fix the cause, then deploy again and confirm "delete and recreate" (or Destroy Stage first).'
        : 'Fix the cause named above and deploy again; the stack events are in the run output.',
  });
}

/** AWS reasons sometimes end in a full stop (or one inside quotes): add one only when missing. */
function endSentence(text: string): string {
  return /[.!?]["')\]]?$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

function rollbackCompleteExplanation(req: DeployStackRequest, s: StackInfo): string {
  return `${req.label}: ${req.stackName} is in ${s.status}: its first creation failed${s.statusReason ? ` (${s.statusReason})` : ''} and CloudFormation rolled it back. A stack in this state cannot be updated; it has to be deleted and created again.`;
}

/** A review that said no leaves nothing behind: the change set goes, and so does a stack that only held it. */
async function abandon(clients: AwsClients, changeSetId: string, stackId: string, type: 'CREATE' | 'UPDATE', req: DeployStackRequest): Promise<void> {
  await deleteChangeSet(clients, changeSetId, stackId).catch(() => undefined);
  if (type === 'CREATE') {
    const { DeleteStackCommand } = await import('@aws-sdk/client-cloudformation');
    const cf = await clients.cloudFormation();
    await clients.call(`${req.label}: remove the unused stack`, undefined, o => cf.send(new DeleteStackCommand({ StackName: stackId }), o)).catch(() => undefined);
  }
  req.log?.(`${req.label}: not deployed — the change set was discarded`);
}

export async function setTerminationProtection(clients: AwsClients, stack: string, on: boolean, signal: AbortSignal | undefined, label: string): Promise<void> {
  const { UpdateTerminationProtectionCommand } = await import('@aws-sdk/client-cloudformation');
  const cf = await clients.cloudFormation();
  await clients.call(`${label}: turn termination protection ${on ? 'on' : 'off'}`, signal, o => cf.send(new UpdateTerminationProtectionCommand({ StackName: stack, EnableTerminationProtection: on }), o));
}

/** Deletes a stack and waits for DELETE_COMPLETE, reporting events; throws with the first failure. */
export async function deleteAndWait(
  clients: AwsClients,
  stack: StackInfo,
  req: Pick<DeployStackRequest, 'label' | 'onEvent' | 'log' | 'signal' | 'pollMs' | 'timeoutMs'>,
): Promise<StackInfo> {
  const log = req.log ?? (() => undefined);
  const follower = new StackEventFollower(clients, stack.id, stack.name, e => {
    req.onEvent?.(e);
    log(`${req.label}: ${formatEvent(e)}`);
  });
  await follower.baseline(req.signal);
  const { DeleteStackCommand } = await import('@aws-sdk/client-cloudformation');
  const cf = await clients.cloudFormation();
  await clients.call(`${req.label}: delete stack ${stack.name}`, req.signal, o => cf.send(new DeleteStackCommand({ StackName: stack.id }), o));
  const pollMs = req.pollMs ?? EVENT_POLL_MS;
  const deadline = Date.now() + (req.timeoutMs ?? 3 * 3_600_000);
  for (;;) {
    await follower.poll(req.signal);
    // By id, a deleted stack still answers, with DELETE_COMPLETE; by name it would be "does not exist".
    const now = await describeStack(clients, stack.id, req.signal, `${req.label}: read stack ${stack.name}`);
    if (!now || now.status === 'DELETE_COMPLETE') return now ?? { ...stack, status: 'DELETE_COMPLETE' };
    if (now.status === 'DELETE_FAILED') {
      await follower.poll(req.signal);
      const first = firstFailure(follower.events);
      throw new StagecraftError(`${req.label}: deleting ${stack.name} failed${first ? ` at ${first.logicalId} (${first.type}): ${first.reason ?? ''}` : now.statusReason ? `: ${now.statusReason}` : ''}.`, {
        hint: 'Remove what holds the resource (for example images in a repository, objects in a bucket), then destroy again.',
      });
    }
    if (Date.now() > deadline) throw new StagecraftError(`${req.label}: ${stack.name} is still ${now.status}; Stagecraft stopped waiting.`, { hint: 'Follow it in the CloudFormation console.' });
    await sleep(pollMs, req.signal);
  }
}
