import type { StackEvent as CfnStackEvent } from '@aws-sdk/client-cloudformation';
import type { AwsClients } from '../clients';
import { isStackMissing } from './stacks';

/** One stack event as a line reads it. */
export interface StackEventLine {
  id: string;
  time: Date;
  logicalId: string;
  type: string;
  status: string;
  reason?: string;
  /** True for the event about the stack itself rather than one of its resources. */
  isStack: boolean;
}

export function toEventLine(e: CfnStackEvent, stackName: string): StackEventLine {
  return {
    id: e.EventId ?? `${e.LogicalResourceId}-${e.ResourceStatus}-${e.Timestamp?.getTime()}`,
    time: e.Timestamp ?? new Date(),
    logicalId: e.LogicalResourceId ?? '',
    type: e.ResourceType ?? '',
    status: e.ResourceStatus ?? '',
    reason: e.ResourceStatusReason || undefined,
    isStack: e.ResourceType === 'AWS::CloudFormation::Stack' && (e.LogicalResourceId === stackName || e.PhysicalResourceId === e.StackId),
  };
}

/** "12:01:02  Service  AWS::ECS::Service  CREATE_FAILED  Resource handler returned …" */
export function formatEvent(e: StackEventLine): string {
  const time = e.time.toISOString().slice(11, 19);
  return [time, e.logicalId, e.type, e.status, e.reason].filter(Boolean).join('  ');
}

/** Reasons CloudFormation gives resources it stopped because another one failed: never the cause. */
const CONSEQUENTIAL = /cancelled|canceled|The following resource\(s\) failed/i;

/**
 * The first resource that failed in an operation, from its events in time order: what the user
 * needs to read, instead of the cascade of "Resource creation cancelled" that follows it.
 */
export function firstFailure(events: StackEventLine[]): StackEventLine | undefined {
  const failed = events.filter(e => e.status.endsWith('_FAILED'));
  return failed.find(e => !e.isStack && !CONSEQUENTIAL.test(e.reason ?? '')) ?? failed.find(e => !e.isStack) ?? failed[0];
}

/**
 * Follows a stack's events without duplicates: each poll reads DescribeStackEvents newest first
 * only until it reaches an event it has already seen, and hands the new ones on oldest first.
 * Events that existed before `baseline()` are never reported.
 */
export class StackEventFollower {
  private readonly seen = new Set<string>();
  /** Events older than the baseline's newest are old news, without paging through the history. */
  private cutoff?: number;
  /** Everything reported so far, oldest first. */
  readonly events: StackEventLine[] = [];

  constructor(
    private readonly clients: AwsClients,
    /** The stack id is best: a name stops resolving once the stack is deleted. */
    private readonly stack: string,
    private readonly stackName: string,
    private readonly onEvent: (e: StackEventLine) => void = () => undefined,
  ) {}

  /** Marks every event that exists now as seen (call before starting the operation). */
  async baseline(signal?: AbortSignal): Promise<void> {
    const first = await this.newEvents(signal, 1);
    for (const e of first) this.seen.add(e.id);
    if (first.length > 0) this.cutoff = Math.max(...first.map(e => e.time.getTime()));
  }

  /** Reports the events that appeared since the last poll; returns them too. */
  async poll(signal?: AbortSignal): Promise<StackEventLine[]> {
    const fresh = await this.newEvents(signal);
    for (const e of fresh) {
      this.seen.add(e.id);
      this.events.push(e);
      this.onEvent(e);
    }
    return fresh;
  }

  private async newEvents(signal?: AbortSignal, maxPages = 100): Promise<StackEventLine[]> {
    const { DescribeStackEventsCommand } = await import('@aws-sdk/client-cloudformation');
    const cf = await this.clients.cloudFormation();
    const fresh: StackEventLine[] = [];
    let token: string | undefined;
    let pages = 0;
    pages: do {
      let out;
      try {
        out = await this.clients.call(`Read events of stack ${this.stackName}`, signal, o => cf.send(new DescribeStackEventsCommand({ StackName: this.stack, NextToken: token }), o));
      } catch (err) {
        // Before a create there is no stack, so no events yet.
        if (isStackMissing(err)) break;
        throw err;
      }
      for (const raw of out.StackEvents ?? []) {
        const e = toEventLine(raw, this.stackName);
        if (this.seen.has(e.id) || (this.cutoff !== undefined && e.time.getTime() < this.cutoff)) break pages;
        fresh.push(e);
      }
      token = out.NextToken;
    } while (token && ++pages < maxPages);
    // Pages come newest first; equal timestamps keep the order CloudFormation gave.
    return fresh.reverse();
  }
}
