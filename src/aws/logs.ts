import type { LogLine } from '../core/provider';
import { redactor } from '../core/redact';
import type { AwsClients } from './clients';
import { sleep } from './wait';

export interface FollowLogsRequest {
  logGroup: string;
  label: string;
  /** Start at this time (ms since epoch). */
  sinceMs: number;
  follow: boolean;
  /** Only lines containing this text (sent to CloudWatch as a quoted term). */
  filter?: string;
  signal?: AbortSignal;
  /** Polling interval while following; it doubles (to 5 s) while nothing new comes. */
  pollMs?: number;
}

/** A plain text filter as a CloudWatch Logs filter pattern: one quoted term matches it as a substring. */
export function toFilterPattern(filter: string | undefined): string | undefined {
  if (!filter) return undefined;
  return `"${filter.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * Lines of a log group in time order, without duplicates (CloudWatch event ids), every line
 * redacted. With `follow`, keeps reading until the signal fires (Live Tail is not used so that the
 * same code works with emulators and without the extra permission).
 */
export async function* followLogs(clients: AwsClients, req: FollowLogsRequest): AsyncGenerator<LogLine> {
  const { FilterLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
  const logs = await clients.logs();
  const seen = new Map<string, number>();
  let start = req.sinceMs;
  const basePoll = req.pollMs ?? 1_000;
  let wait = basePoll;
  for (;;) {
    const batch: LogLine[] = [];
    let token: string | undefined;
    do {
      const out = await clients.call(`${req.label}: read logs of ${req.logGroup}`, req.signal, o =>
        logs.send(new FilterLogEventsCommand({ logGroupName: req.logGroup, startTime: start, filterPattern: toFilterPattern(req.filter), nextToken: token }), o),
      );
      for (const e of out.events ?? []) {
        const id = e.eventId ?? `${e.logStreamName}:${e.timestamp}:${e.message}`;
        if (seen.has(id)) continue;
        seen.set(id, e.timestamp ?? 0);
        batch.push({ time: e.timestamp ?? Date.now(), text: redactor.redact((e.message ?? '').replace(/\n$/, '')), id });
      }
      token = out.nextToken;
    } while (token);
    batch.sort((a, b) => a.time - b.time);
    for (const line of batch) yield line;
    if (!req.follow) return;
    if (batch.length > 0) {
      // Re-read from the newest second seen: late events with that timestamp are still caught.
      start = Math.max(start, batch[batch.length - 1].time);
      for (const [id, t] of seen) if (t < start) seen.delete(id);
      wait = basePoll;
    } else {
      wait = Math.min(wait * 2, 5_000);
    }
    await sleep(wait, req.signal);
  }
}
