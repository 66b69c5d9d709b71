import type { AwsClients } from '../clients';
import { awsErrorName } from '../errors';
import type { TaskLogLocation } from './migrationTask';

export interface TaskLogTail {
  /** The last lines of the stream, oldest first. */
  lines: string[];
  /** The stream may hold more than `lines` (as many came back as were asked for). */
  truncated: boolean;
  /** The stream does not exist (the container never started, or its first line has not arrived yet). */
  missing: boolean;
}

/**
 * The last `limit` lines a stopped task wrote to its CloudWatch Logs stream: one GetLogEvents call
 * from the end of the stream, so a long migration log costs no more than a short one.
 */
export async function readTaskLogTail(clients: AwsClients, where: TaskLogLocation, limit: number, action: string, signal?: AbortSignal): Promise<TaskLogTail> {
  const { GetLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
  const logs = await clients.logs();
  try {
    const out = await clients.call(action, signal, o =>
      logs.send(new GetLogEventsCommand({ logGroupName: where.group, logStreamName: where.stream, startFromHead: false, limit }), o),
    );
    const events = [...(out.events ?? [])].sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
    return { lines: events.map(e => (e.message ?? '').replace(/\r?\n$/, '')), truncated: events.length >= limit, missing: false };
  } catch (err) {
    if (awsErrorName((err as { cause?: unknown }).cause ?? err) === 'ResourceNotFoundException') return { lines: [], truncated: false, missing: true };
    throw err;
  }
}
