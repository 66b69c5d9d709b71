import { DURATION_PATTERN } from '../config/schema';
import { StagecraftError } from '../errors';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** CodePipeline's manual approval timeout: 7 days. */
export const DEFAULT_APPROVAL_TIMEOUT = '7d';

/** Milliseconds in a duration written as in stagecraft.yaml: "7d", "12h", "30m", "45s", "500ms". */
export function parseDuration(text: string, what = 'duration'): number {
  const trimmed = text.trim();
  if (!DURATION_PATTERN.test(trimmed)) {
    throw new StagecraftError(`Invalid ${what} "${text}": expected a number and a unit, such as "7d", "12h", "30m" or "45s".`, { kind: 'input' });
  }
  const unit = trimmed.replace(/^\d+/, '') as keyof typeof UNIT_MS;
  return Number(trimmed.slice(0, trimmed.length - unit.length)) * UNIT_MS[unit];
}

/** A short human duration: "850 ms", "12.3 s", "4 min 5 s", "2 h 10 min", "7 d". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
  return `${Math.floor(s / 86_400)} d${Math.floor((s % 86_400) / 3600) ? ` ${Math.floor((s % 86_400) / 3600)} h` : ''}`;
}
