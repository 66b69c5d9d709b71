import type { LogLine } from '../provider';
import { isErrorLine } from './classify';
import type { DeployMarker } from './markers';

/** How long before and after a switch the error rates are compared (default 5 minutes). */
export const DEFAULT_SUMMARY_WINDOW_MS = 5 * 60_000;

export interface TimelineOptions {
  /** The tail's start (epoch ms): markers before it are not shown, but say what was serving. */
  startTime: number;
  windowMs?: number;
}

interface OpenSwitch {
  marker: DeployMarker;
  /** Where its "before" window starts: the window, the tail's start or the previous switch, whichever is latest. */
  from: number;
}

/**
 * Merges deployment markers into a stream of log lines, in time order, tags each line with the
 * version that was serving when it was written (unless the provider knew better), and after each
 * switch of traffic adds one summary line: error lines per minute in the window before the switch
 * against the window after it. Pure: the caller says what time it is.
 */
export class DeployTimeline {
  private readonly windowMs: number;
  private readonly seen = new Set<string>();
  /** Markers not shown yet, oldest first. */
  private pending: DeployMarker[] = [];
  /** Every switch known, oldest first: what served when. */
  private switches: DeployMarker[] = [];
  private open: OpenSwitch[] = [];
  /** Times of the error lines seen, oldest first (pruned to what an open window can still need). */
  private errors: number[] = [];
  private lastTime: number;

  constructor(private readonly options: TimelineOptions) {
    this.windowMs = options.windowMs ?? DEFAULT_SUMMARY_WINDOW_MS;
    this.lastTime = options.startTime;
  }

  /** Adds markers (again): those already known are ignored. */
  addMarkers(markers: readonly DeployMarker[]): void {
    let added = false;
    for (const m of markers) {
      if (this.seen.has(m.key)) continue;
      this.seen.add(m.key);
      added = true;
      if (m.serves) this.switches.push(m);
      if (m.time >= this.options.startTime) this.pending.push(m);
    }
    if (!added) return;
    this.pending.sort((a, b) => a.time - b.time);
    this.switches.sort((a, b) => a.time - b.time);
  }

  /** The version serving at `time`, as the switches say (12 characters, like the local runtime's label). */
  versionAt(time: number): string | undefined {
    let version: string | undefined;
    for (const s of this.switches) {
      if (s.time > time) {
        version ??= s.previous;
        break;
      }
      version = s.serves;
    }
    return version?.slice(0, 12);
  }

  /** A log line: the markers and summaries that come before it, then the line, tagged. */
  line(line: LogLine): LogLine[] {
    const out = this.markersUntil(line.time);
    out.push(...this.summariesBefore(line.time));
    if (line.time > this.lastTime) this.lastTime = line.time;
    if (!line.marker && isErrorLine(line.text)) {
      this.errors.push(line.time);
      if (this.errors.length > 4096) this.prune();
    }
    const version = line.version ?? this.versionAt(line.time);
    out.push(version && !line.version ? { ...line, version } : line);
    return out;
  }

  /**
   * While following and the log is quiet: the markers up to `now` (a deploy shows even when the
   * app writes nothing) and the summaries whose window has passed.
   */
  due(now: number): LogLine[] {
    const out = this.markersUntil(now);
    out.push(...this.summariesBefore(now));
    return out;
  }

  /** The stream ended: the markers up to `now` and a summary for each switch still open (its window cut at `now`). */
  end(now: number): LogLine[] {
    const out = this.markersUntil(now);
    // A line stamped later than this clock (another machine's) still counts.
    const until = Math.max(now, this.lastTime);
    for (const s of this.open.splice(0)) out.push(this.summary(s, Math.min(until, s.marker.time + this.windowMs)));
    return out;
  }

  private markersUntil(time: number): LogLine[] {
    const out: LogLine[] = [];
    while (this.pending.length && this.pending[0].time <= time) {
      const m = this.pending.shift()!;
      // A summary whose window this marker reaches past comes first.
      out.push(...this.summariesBefore(m.time));
      if (m.serves) {
        // A new switch ends the window of the one before it.
        for (const s of this.open.splice(0)) out.push(this.summary(s, m.time));
        const previous = this.switches.filter(s => s.time < m.time).pop();
        this.open.push({ marker: m, from: Math.max(m.time - this.windowMs, this.options.startTime, previous?.time ?? -Infinity) });
      }
      out.push({ time: m.time, text: m.text, id: `marker:${m.key}`, marker: m.kind });
      if (m.time > this.lastTime) this.lastTime = m.time;
    }
    return out;
  }

  private summariesBefore(time: number): LogLine[] {
    if (this.open.length === 0 || this.open.every(s => s.marker.time + this.windowMs >= time)) return [];
    const out: LogLine[] = [];
    this.open = this.open.filter(s => {
      const end = s.marker.time + this.windowMs;
      if (end >= time) return true;
      out.push(this.summary(s, end));
      return false;
    });
    this.prune();
    return out;
  }

  private summary(s: OpenSwitch, end: number): LogLine {
    const t = s.marker.time;
    const before = this.errors.filter(e => e >= s.from && e < t).length;
    const after = this.errors.filter(e => e > t && e <= end).length;
    const beforeMin = (t - s.from) / 60_000;
    const afterMin = Math.max(0, end - t) / 60_000;
    const rate = (n: number, min: number) => (min >= 1 / 60 ? (n / min).toFixed(1) : 'n/a');
    const to = (s.marker.serves ?? '').slice(0, 8);
    const text =
      `error lines per minute, before → after the switch to ${to}: ${rate(before, beforeMin)} → ${rate(after, afterMin)}` +
      ` (${before} in ${beforeMin.toFixed(1)} min → ${after} in ${afterMin.toFixed(1)} min)`;
    return { time: Math.max(end, t), text, id: `summary:${s.marker.key}`, marker: 'summary' };
  }

  /** Error times no open or future window can reach are forgotten, so a long tail stays small. */
  private prune(): void {
    if (this.errors.length === 0) return;
    // pending is sorted: its first marker is its earliest.
    const keepFrom = Math.min(this.lastTime, this.pending[0]?.time ?? Infinity, ...this.open.map(s => s.from)) - this.windowMs;
    let i = 0;
    while (i < this.errors.length && this.errors[i] < keepFrom) i++;
    if (i) this.errors.splice(0, i);
  }
}
