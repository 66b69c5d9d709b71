import type { FilterLogEventsCommandInput, FilterLogEventsCommandOutput } from '@aws-sdk/client-cloudwatch-logs';
import { RecentKeys } from '../../core/logs';

/** An event as both FilterLogEvents and Live Tail give it (Live Tail has no event id). */
export interface CloudWatchEvent {
  eventId?: string;
  logStreamName?: string;
  timestamp: number;
  message: string;
}

export interface PollerOptions {
  logGroupName: string;
  /** Epoch ms of the first event wanted. */
  startTime: number;
  filterPattern?: string;
  /**
   * How far back each pass reaches before the start of the previous complete pass. Events reach
   * FilterLogEvents some seconds after their timestamp (agents batch, the service indexes); asking
   * again for that margin and dropping the ids already shown is what leaves no gaps.
   */
  overlapMs: number;
  signal?: AbortSignal;
  clock?: () => number;
}

/**
 * FilterLogEvents over a whole log group (every stream, so the streams a new deployment creates are
 * included as they appear), in passes: each pass pages through [window start, now] and yields only
 * events not shown before, de-duplicated by event id; the window then moves to `overlapMs` before
 * the pass began. The caller paces the calls (one per second per tail).
 */
export class FilterLogEventsPoller {
  private readonly seen = new RecentKeys();
  private windowStart: number;
  private readonly clock: () => number;

  constructor(
    private readonly filterLogEvents: (input: FilterLogEventsCommandInput) => Promise<FilterLogEventsCommandOutput>,
    private readonly options: PollerOptions,
  ) {
    this.windowStart = options.startTime;
    this.clock = options.clock ?? Date.now;
  }

  /** Where the next pass starts. */
  get start(): number {
    return this.windowStart;
  }

  /** Moves the window forward (never back), e.g. to where Live Tail stopped. */
  advanceTo(time: number): void {
    if (time > this.windowStart) {
      this.windowStart = time;
      this.seen.forgetBefore(time);
    }
  }

  /**
   * One complete pass: every page from the window start (to `endTime` when given), yielding the new
   * events of each page sorted by time. `skip` drops events shown by another source (Live Tail).
   */
  async *pass(endTime?: number, skip?: (event: CloudWatchEvent) => boolean): AsyncGenerator<CloudWatchEvent[]> {
    const began = this.clock();
    const startTime = this.windowStart;
    let nextToken: string | undefined;
    do {
      const out = await this.filterLogEvents({
        logGroupName: this.options.logGroupName,
        startTime,
        ...(endTime !== undefined ? { endTime } : {}),
        ...(this.options.filterPattern ? { filterPattern: this.options.filterPattern } : {}),
        ...(nextToken ? { nextToken } : {}),
        // Ignored by AWS, where results are always interleaved across streams; said for emulators.
        interleaved: true,
      });
      const fresh: CloudWatchEvent[] = [];
      for (const e of out.events ?? []) {
        // Never before the window (the service does not return those; an emulator might, and the
        // ids of that time are already forgotten).
        if (e.timestamp === undefined || e.timestamp < startTime) continue;
        const event: CloudWatchEvent = { eventId: e.eventId, logStreamName: e.logStreamName, timestamp: e.timestamp, message: e.message ?? '' };
        if (e.eventId !== undefined && !this.seen.add(e.eventId, e.timestamp)) continue;
        if (skip?.(event)) continue;
        fresh.push(event);
      }
      fresh.sort((a, b) => a.timestamp - b.timestamp);
      if (fresh.length) yield fresh;
      nextToken = out.nextToken;
    } while (nextToken && !this.options.signal?.aborted);
    if (this.options.signal?.aborted) return;
    this.advanceTo(Math.max(startTime, began - this.options.overlapMs));
  }
}

/** Live Tail events have no id: the same event seen through both APIs is matched by what it is. */
export function contentKey(e: CloudWatchEvent): string {
  return `${e.logStreamName ?? ''}\u0000${e.timestamp}\u0000${e.message}`;
}
