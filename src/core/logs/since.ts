import { StagecraftError } from '../errors';
import { parseDuration } from '../pipeline/duration';

/** How far back a tail starts when the caller does not say: the last 10 minutes, as `aws logs tail`. */
export const DEFAULT_SINCE_MS = 10 * 60_000;

/**
 * "10m", "2h", "30s", "1d" → milliseconds before now. A bare number is refused rather than
 * guessed (minutes? seconds?), with a hint that shows the form.
 */
export function parseSince(text: string, what = '--since'): number {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    throw new StagecraftError(`${what} "${text}" has no unit.`, { kind: 'usage', hint: `Write it with a unit, for example ${trimmed}m for ${trimmed} minutes (units: s, m, h, d).` });
  }
  try {
    return parseDuration(trimmed, what);
  } catch (err) {
    throw new StagecraftError((err as Error).message, { kind: 'usage' });
  }
}

/** The epoch millisecond a tail starts at, for a "since" duration (default 10 minutes). */
export function startTimeOf(sinceMs: number | undefined, now = Date.now()): number {
  const back = sinceMs === undefined || !Number.isFinite(sinceMs) || sinceMs < 0 ? DEFAULT_SINCE_MS : sinceMs;
  return now - back;
}
