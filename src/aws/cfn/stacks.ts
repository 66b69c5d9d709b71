import type { Stack as CfnStack } from '@aws-sdk/client-cloudformation';
import { StagecraftError } from '../../core/errors';
import type { AwsClients } from '../clients';
import { awsErrorName } from '../errors';

/** A CloudFormation stack as Stagecraft uses it: optional SDK fields turned into plain values. */
export interface StackInfo {
  name: string;
  id: string;
  status: string;
  statusReason?: string;
  outputs: Record<string, string>;
  tags: Record<string, string>;
  parameters: Record<string, string>;
  terminationProtection: boolean;
  createdAt?: Date;
  updatedAt?: Date;
}

export function toStackInfo(s: CfnStack): StackInfo {
  const outputs: Record<string, string> = {};
  for (const o of s.Outputs ?? []) if (o.OutputKey) outputs[o.OutputKey] = o.OutputValue ?? '';
  const tags: Record<string, string> = {};
  for (const t of s.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
  const parameters: Record<string, string> = {};
  for (const p of s.Parameters ?? []) if (p.ParameterKey) parameters[p.ParameterKey] = p.ResolvedValue ?? p.ParameterValue ?? '';
  return {
    name: s.StackName ?? '',
    id: s.StackId ?? s.StackName ?? '',
    status: s.StackStatus ?? 'UNKNOWN',
    statusReason: s.StackStatusReason || undefined,
    outputs,
    tags,
    parameters,
    terminationProtection: s.EnableTerminationProtection === true,
    createdAt: s.CreationTime,
    updatedAt: s.LastUpdatedTime ?? s.CreationTime,
  };
}

/** CloudFormation says a stack is missing with a ValidationError whose message is the only tell. */
export function isStackMissing(err: unknown, name?: string): boolean {
  const cause = (err as { cause?: unknown })?.cause ?? err;
  const message = (cause as Error)?.message ?? '';
  return awsErrorName(cause) === 'ValidationError' && /does not exist/.test(message) && (!name || message.includes(name));
}

/** The stack by name or id; undefined when there is none (a deleted stack by name is none). */
export async function describeStack(clients: AwsClients, nameOrId: string, signal?: AbortSignal, action = `Read stack ${nameOrId}`): Promise<StackInfo | undefined> {
  const { DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const cf = await clients.cloudFormation();
  try {
    const out = await clients.call(action, signal, o => cf.send(new DescribeStacksCommand({ StackName: nameOrId }), o));
    const s = out.Stacks?.[0];
    return s ? toStackInfo(s) : undefined;
  } catch (err) {
    if (isStackMissing(err)) return undefined;
    throw err;
  }
}

/** Every stack of the account and region, all pages (one call per page, not one per stack). */
export async function listAllStacks(clients: AwsClients, signal?: AbortSignal): Promise<StackInfo[]> {
  const { DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const cf = await clients.cloudFormation();
  const all: StackInfo[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const out = await clients.call('List CloudFormation stacks', signal, o => cf.send(new DescribeStacksCommand({ NextToken: token }), o));
    for (const s of out.Stacks ?? []) all.push(toStackInfo(s));
    token = out.NextToken;
    // A NextToken loop that never ends would be an AWS bug; do not follow it forever.
    if (++pages > 1000) throw new StagecraftError('List CloudFormation stacks: more than 1000 pages; stopping.', { kind: 'failure' });
  } while (token);
  return all;
}

export function isInProgress(status: string): boolean {
  return status.endsWith('_IN_PROGRESS');
}

/** Statuses from which a stage stack can be updated in place. */
export const UPDATABLE = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE']);

/** Statuses that end an operation that did not do what was asked. */
export const FAILED_END = new Set(['CREATE_FAILED', 'ROLLBACK_COMPLETE', 'ROLLBACK_FAILED', 'UPDATE_ROLLBACK_COMPLETE', 'UPDATE_ROLLBACK_FAILED', 'UPDATE_FAILED', 'DELETE_FAILED', 'IMPORT_ROLLBACK_COMPLETE', 'IMPORT_ROLLBACK_FAILED']);
