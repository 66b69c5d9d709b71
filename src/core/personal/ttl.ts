import { StagecraftError } from '../errors';
import { TTL_PATTERN } from '../config/schema';

/** A personal stage lives this long after its last deploy unless `personal.ttl` or the setting says otherwise. */
export const DEFAULT_TTL = '7d';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const DAY_MS = UNIT_MS.d;

/** "7d" → milliseconds; `where` names the file/field or setting in the error. */
export function parseTtl(text: string, where: string): number {
  const trimmed = text.trim();
  if (!TTL_PATTERN.test(trimmed)) {
    throw new StagecraftError(`${where}: "${text}" is not a time to live.`, { kind: 'input', hint: 'Write a whole number and a unit: "7d" (days), "36h" (hours) or "90m" (minutes).' });
  }
  const unit = trimmed.slice(-1) as keyof typeof UNIT_MS;
  return Number(trimmed.slice(0, -1)) * UNIT_MS[unit];
}

/** "expires in 3 d", "expires in 5 h", "expired" — what the tree and `status` show. */
export function formatExpiresIn(expiresAt: string, now: Date): string {
  const left = Date.parse(expiresAt) - now.getTime();
  if (left <= 0) return 'expired';
  if (left >= DAY_MS) return `expires in ${Math.floor(left / DAY_MS)} d`;
  if (left >= UNIT_MS.h) return `expires in ${Math.floor(left / UNIT_MS.h)} h`;
  return `expires in ${Math.max(1, Math.floor(left / UNIT_MS.m))} min`;
}
