import { StartLiveTailCommand, type CloudWatchLogsClient, type StartLiveTailCommandOutput } from '@aws-sdk/client-cloudwatch-logs';
import { isAbortError, StagecraftError } from '../../core/errors';
import { awsErrorName } from '../errors';
import type { CloudWatchEvent } from './poller';

export type LiveTailItem =
  | { type: 'started' }
  | { type: 'events'; events: CloudWatchEvent[]; sampled: boolean };

/** Live Tail cannot be used (not permitted, not offered by this endpoint, too many sessions) or broke off. */
export class LiveTailUnavailable extends Error {
  constructor(
    readonly reason: string,
    readonly atStart: boolean,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
    this.name = 'LiveTailUnavailable';
  }
}

export interface LiveTailOptions {
  logGroupArn: string;
  filterPattern?: string;
  signal?: AbortSignal;
  /** Makes the StartLiveTail call: the tail's pacer decides when. */
  start: (send: () => Promise<StartLiveTailCommandOutput>) => Promise<StartLiveTailCommandOutput>;
}

/**
 * One Live Tail session (StartLiveTail; AWS ends a session after 3 hours): `started` once the
 * session is live, then the events of each update, sorted by time. Ends normally when AWS ends the
 * session (time-out) or the signal fires; throws LiveTailUnavailable when the session cannot start
 * or breaks, so the caller can fall back to polling.
 */
export async function* liveTailSession(client: CloudWatchLogsClient, options: LiveTailOptions): AsyncGenerator<LiveTailItem> {
  const { signal } = options;
  let output: StartLiveTailCommandOutput;
  try {
    output = await options.start(() =>
      client.send(
        new StartLiveTailCommand({
          logGroupIdentifiers: [options.logGroupArn],
          ...(options.filterPattern ? { logEventFilterPattern: options.filterPattern } : {}),
        }),
        { abortSignal: signal },
      ),
    );
  } catch (err) {
    if (signal?.aborted || isAbortError(err)) return;
    throw new LiveTailUnavailable(describe(err), true, { cause: err });
  }
  if (!output.responseStream) throw new LiveTailUnavailable('the response has no event stream', true);
  let started = false;
  try {
    for await (const item of untilAborted(output.responseStream, signal)) {
      if (signal?.aborted) return;
      if (item.sessionStart) {
        started = true;
        yield { type: 'started' };
      } else if (item.sessionUpdate) {
        const events: CloudWatchEvent[] = (item.sessionUpdate.sessionResults ?? [])
          .filter(e => e.timestamp !== undefined)
          .map(e => ({ logStreamName: e.logStreamName, timestamp: e.timestamp!, message: e.message ?? '' }))
          .sort((a, b) => a.timestamp - b.timestamp);
        if (!started) {
          // A session that skips its start event is still live from its first update.
          started = true;
          yield { type: 'started' };
        }
        yield { type: 'events', events, sampled: item.sessionUpdate.sessionMetadata?.sampled === true };
      } else if (item.SessionTimeoutException) {
        return;
      } else if (item.SessionStreamingException) {
        throw new LiveTailUnavailable(`SessionStreamingException: ${item.SessionStreamingException.message ?? ''}`, !started);
      }
    }
  } catch (err) {
    if (signal?.aborted || isAbortError(err)) return;
    if (err instanceof LiveTailUnavailable) throw err;
    // Modeled stream errors may also arrive thrown rather than as members.
    if (awsErrorName(err) === 'SessionTimeoutException') return;
    throw new LiveTailUnavailable(describe(err), !started, { cause: err });
  }
}

/** One short line: the SDK's error name, the HTTP status, the first line of its message. */
function describe(err: unknown): string {
  const cause = err instanceof StagecraftError && err.cause !== undefined ? err.cause : err;
  const status = (cause as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  const message = ((cause as Error)?.message ?? String(cause)).split('\n')[0].trim();
  const text = `${awsErrorName(cause)}${status ? ` (HTTP ${status})` : ''}: ${message}`;
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/**
 * Iterates until the signal fires, even while waiting for the next item: the SDK aborts the HTTP
 * request on the signal, and this makes sure the loop ends with it on any transport.
 */
async function* untilAborted<T>(items: AsyncIterable<T>, signal: AbortSignal | undefined): AsyncGenerator<T> {
  const it = items[Symbol.asyncIterator]();
  if (!signal) {
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield next.value;
    }
  }
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<'aborted'>(resolve => {
    onAbort = () => resolve('aborted');
    if (signal.aborted) resolve('aborted');
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    for (;;) {
      const next = await Promise.race([it.next(), aborted]);
      if (next === 'aborted' || next.done) return;
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (signal.aborted) void Promise.resolve(it.return?.()).catch(() => undefined);
  }
}
