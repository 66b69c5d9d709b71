import { CloudWatchLogsClient, FilterLogEventsCommand, type FilterLogEventsCommandInput } from '@aws-sdk/client-cloudwatch-logs';
import { isCancelled } from '../../core/errors';
import { RecentKeys, startTimeOf } from '../../core/logs';
import type { LogLine } from '../../core/provider';
import type { AwsClients } from '../clients';
import { awsErrorName } from '../errors';
import { CallPacer } from './callPacer';
import { liveTailSession, LiveTailUnavailable } from './liveTail';
import { logGroupArn, missingLogGroup } from './logGroups';
import { contentKey, FilterLogEventsPoller, type CloudWatchEvent } from './poller';

export interface CloudWatchTailOptions {
  /** The stage's log group (stack output AppLogGroupName / AccessLogGroupName, or stageLogGroupName()). */
  logGroupName: string;
  follow: boolean;
  /** How far back to start, in milliseconds before now (default 10 minutes). */
  sinceMs?: number;
  /** A CloudWatch Logs filter pattern, evaluated by the service. */
  filter?: string;
  signal?: AbortSignal;
  /** Try Live Tail first when following (default true); false polls FilterLogEvents only. */
  liveTail?: boolean;
  /** The least time between two API calls of this tail (default 1000: at most one call per second). */
  minCallIntervalMs?: number;
  /** How far each poll reaches back before the previous one began (default 15 s); see FilterLogEventsPoller. */
  overlapMs?: number;
  /** What the user should know about how the tail runs ("Live Tail unavailable …: polling every second"). */
  onNotice?: (message: string) => void;
  /** Names the tail in error messages, e.g. "Logs of stage prod". */
  action?: string;
  /** Counts every API call of this tail (benchmarks, tests). */
  onCall?: (operation: string) => void;
}

/**
 * A stage's CloudWatch log group as LogLines: the events of the last `sinceMs` through
 * FilterLogEvents, then, when following, Live Tail (StartLiveTail), joined to what was polled so
 * nothing is missed or shown twice; where Live Tail is unavailable or breaks off, FilterLogEvents
 * polling at most once a second, de-duplicated by event id, with overlapping windows so events
 * that arrive late are not lost. Both cover every stream of the group, so a new deployment's
 * streams are followed as they appear. Ends quietly when the signal fires; every call gets it.
 */
export async function* tailCloudWatchLogs(clients: AwsClients, options: CloudWatchTailOptions): AsyncGenerator<LogLine> {
  const { signal } = options;
  const action = options.action ?? `Logs of ${options.logGroupName}`;
  const overlapMs = options.overlapMs ?? 15_000;
  // How long what Live Tail showed is remembered; a poll that takes over from Live Tail reaches
  // back exactly this far, so nothing in between is lost or shown twice.
  const liveMemoryMs = 4 * overlapMs;
  const pacer = new CallPacer(options.minCallIntervalMs ?? 1000);
  const client = await clients.logs();
  const call = <T>(operation: string, run: (o: { abortSignal?: AbortSignal }) => Promise<T>): Promise<T> =>
    clients.call(`${action}: ${operation}`, signal, o =>
      pacer.run(async () => {
        options.onCall?.(operation);
        try {
          return await run(o);
        } catch (err) {
          if (awsErrorName(err) === 'ResourceNotFoundException') throw missingLogGroup(options.logGroupName, err);
          throw err;
        }
      }, signal),
    );
  const poller = new FilterLogEventsPoller(
    (input: FilterLogEventsCommandInput) => call('FilterLogEvents', o => client.send(new FilterLogEventsCommand(input), o)),
    { logGroupName: options.logGroupName, startTime: startTimeOf(options.sinceMs), filterPattern: options.filter, overlapMs, signal },
  );
  // What each source showed, by content, so the other source does not show it again.
  const shownLive = new RecentKeys();
  const shownPolled = new RecentKeys();
  const notLive = (e: CloudWatchEvent) => shownLive.has(contentKey(e));

  try {
    if (!options.follow) {
      for await (const batch of poller.pass(Date.now())) yield* toLines(batch);
      return;
    }
    for await (const batch of poller.pass()) yield* toLines(batch);

    if (options.liveTail !== false) {
      const live = await liveTailClient(clients, client);
      try {
        const arn = await logGroupArn(client, options.logGroupName, run => call('DescribeLogGroups', run));
        for (;;) {
          // One session (AWS ends each after 3 hours); then a new one, joined the same way.
          let joined = false;
          const early: CloudWatchEvent[] = [];
          for await (const item of liveTailSession(live.client, {
            logGroupArn: arn,
            filterPattern: options.filter,
            signal,
            start: send => call('StartLiveTail', () => send()),
          })) {
            if (item.type === 'started') {
              // Events that arrived between the last poll and the session start: one more pass.
              for await (const batch of poller.pass(undefined, notLive)) {
                for (const e of batch) shownPolled.add(contentKey(e), e.timestamp);
                yield* toLines(batch);
              }
              joined = true;
              yield* toLines(remember(early.splice(0), shownPolled, shownLive));
              continue;
            }
            if (item.sampled) noticeOnce(options, 'Live Tail is sampling this log group (more than 500 events a second): some events are not shown.');
            if (!joined) {
              early.push(...item.events);
              continue;
            }
            const forget = Date.now() - liveMemoryMs - overlapMs;
            shownLive.forgetBefore(forget);
            shownPolled.forgetBefore(forget);
            yield* toLines(remember(item.events, shownPolled, shownLive));
          }
          if (signal?.aborted) return;
          // The session ended: the next join pass starts near where it stopped, not hours back.
          poller.advanceTo(Date.now() - liveMemoryMs);
        }
      } catch (err) {
        if (!(err instanceof LiveTailUnavailable)) throw err;
        options.onNotice?.(`Live Tail is not available (${err.reason}); polling FilterLogEvents once a second instead.`);
        if (!err.atStart) poller.advanceTo(Date.now() - liveMemoryMs);
      } finally {
        live.dispose();
      }
    }

    for (;;) {
      if (signal?.aborted) return;
      for await (const batch of poller.pass(undefined, notLive)) yield* toLines(batch);
      await pacer.ready(signal);
    }
  } catch (err) {
    if (signal?.aborted || isCancelled(err)) return;
    throw err;
  }
}

/** Drops events the other source showed, records the rest as shown live, and returns them. */
function remember(events: CloudWatchEvent[], polled: RecentKeys, live: RecentKeys): CloudWatchEvent[] {
  const fresh: CloudWatchEvent[] = [];
  for (const e of events) {
    const key = contentKey(e);
    if (polled.has(key)) continue;
    live.add(key, e.timestamp);
    fresh.push(e);
  }
  return fresh;
}

function toLines(events: CloudWatchEvent[]): LogLine[] {
  return events.map(e => ({ time: e.timestamp, text: e.message.replace(/\r?\n$/, ''), ...(e.eventId ? { id: e.eventId } : {}), ...(e.logStreamName ? { stream: e.logStreamName } : {}) }));
}

const noticed = new WeakMap<CloudWatchTailOptions, Set<string>>();
function noticeOnce(options: CloudWatchTailOptions, message: string): void {
  const seen = noticed.get(options) ?? new Set<string>();
  noticed.set(options, seen);
  if (seen.has(message)) return;
  seen.add(message);
  options.onNotice?.(message);
}

/**
 * Live Tail is served from a `streaming-` host prefix, which an endpoint override (LocalStack,
 * moto) does not have: its client needs `disableHostPrefix: true`. The factory's client is used
 * when it already has it; otherwise a sibling client with the same region and credentials.
 */
async function liveTailClient(clients: AwsClients, client: CloudWatchLogsClient): Promise<{ client: CloudWatchLogsClient; dispose(): void }> {
  const endpoint = clients.endpoint;
  if (!endpoint || client.config.disableHostPrefix) return { client, dispose: () => undefined };
  const own = new CloudWatchLogsClient({
    region: client.config.region,
    credentials: client.config.credentials,
    endpoint,
    disableHostPrefix: true,
    maxAttempts: 1,
  });
  return { client: own, dispose: () => own.destroy() };
}
