import { StagecraftError } from '../errors';
import type { Stack } from '../model';
import { readPersonalRecord, writePersonalRecord } from './registry';
import { expiresAt, personalTtlMs, type PersonalOptions } from './stage';
import { DAY_MS } from './ttl';

/**
 * Pushes a personal stage's expiry back by `days` (the TTL's length when absent), counted from
 * its current expiry or from now when that has passed. Returns the new expiry.
 */
export async function extendPersonalStage(stack: Stack, name: string, options: PersonalOptions & { days?: number; now?: Date } = {}): Promise<string> {
  const record = await readPersonalRecord(stack.root, name);
  if (!record) {
    const shared = stack.stages.some(s => s.name === name && !s.personal);
    throw new StagecraftError(
      shared ? `Stage "${name}" is a stage of stagecraft.yaml: it never expires.` : `There is no personal stage "${name}".`,
      { kind: 'input', hint: shared ? undefined : 'Personal stages are created by the first run on a feature/* branch; `stagecraft status` lists them.' },
    );
  }
  if (options.days !== undefined && (!Number.isInteger(options.days) || options.days < 1 || options.days > 365)) {
    throw new StagecraftError(`--days must be a whole number from 1 to 365, not ${options.days}.`, { kind: 'usage' });
  }
  const ttl = personalTtlMs(stack, options);
  const now = (options.now ?? new Date()).getTime();
  const by = options.days !== undefined ? options.days * DAY_MS : ttl;
  const from = Math.max(Date.parse(expiresAt(record, ttl)), now);
  const until = new Date(from + by).toISOString();
  await writePersonalRecord(stack.root, { ...record, extendedUntil: until });
  return until;
}
