import { personalSchema, stageSchema } from '../config/schema';
import type { EnvValue, Stack, Stage } from '../model';
import { listPersonalRecords, type PersonalStageRecord } from './registry';
import { DEFAULT_TTL, parseTtl } from './ttl';

export interface PersonalOptions {
  /** The user's setting (`stagecraft.personalStages.ttl`); the file's `personal.ttl` wins over it. */
  defaultTtl?: string;
}

/** Whether feature branches get stages of their own (`personal: { enabled: false }` turns it off). */
export function personalStagesEnabled(stack: Stack): boolean {
  return stack.personal?.enabled ?? true;
}

/** The stack's TTL of personal stages in ms; a bad value is an input error naming where it came from. */
export function personalTtlMs(stack: Stack, options: PersonalOptions = {}): number {
  if (stack.personal?.ttl) return parseTtl(stack.personal.ttl, `${stack.file}: personal.ttl`);
  if (options.defaultTtl) return parseTtl(options.defaultTtl, 'setting stagecraft.personalStages.ttl');
  return parseTtl(DEFAULT_TTL, 'default');
}

/** When the stage goes: TTL after its last deploy (or creation), or later when extended. */
export function expiresAt(record: PersonalStageRecord, ttlMs: number): string {
  const base = Date.parse(record.lastDeployAt ?? record.createdAt) + ttlMs;
  const extended = record.extendedUntil ? Date.parse(record.extendedUntil) : 0;
  return new Date(Math.max(base, extended)).toISOString();
}

/** A developer's stage: the `personal:` block over dev's settings, without dev's secret references. */
export function personalStage(stack: Stack, record: PersonalStageRecord, ttlMs: number, index: number): Stage {
  const dev = stack.stages.find(s => s.name === 'dev' && !s.personal);
  const t = stack.personal ?? { enabled: true };
  const env: Record<string, EnvValue> = Object.fromEntries(Object.entries(t.env ?? dev?.env ?? {}).filter(([, v]) => typeof v === 'string'));
  const provider = record.provider;
  const sameProvider = (dev?.provider ?? provider) === provider;
  return {
    // The provider's own keys (a region): dev's when the provider is the same, then the template's.
    ...(sameProvider && dev ? providerKeysOf(dev, STAGE_KEYS) : {}),
    ...providerKeysOf(t, TEMPLATE_KEYS),
    name: record.name,
    provider,
    database: t.database ?? dev?.database ?? 'none',
    requireApproval: false,
    env,
    origins: t.origins ?? dev?.origins ?? [],
    protected: false,
    index,
    personal: {
      owner: record.owner,
      ownerId: record.ownerId,
      branch: record.branch,
      createdAt: record.createdAt,
      lastDeployAt: record.lastDeployAt,
      expiresAt: expiresAt(record, ttlMs),
    },
  };
}

/** The provider a new personal stage gets: the block's, else dev's, else the first stage's. */
export function personalProvider(stack: Stack): Stage['provider'] {
  return stack.personal?.provider ?? stack.stages.find(s => s.name === 'dev')?.provider ?? stack.stages[0]?.provider ?? '';
}

/** The keys every stage (and the personal template) has; any other key is a provider's own. */
const STAGE_KEYS: ReadonlySet<string> = new Set([...Object.keys(stageSchema.shape), 'index', 'personal']);
const TEMPLATE_KEYS: ReadonlySet<string> = new Set(Object.keys(personalSchema.shape));

function providerKeysOf(from: object, common: ReadonlySet<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(from).filter(([k, v]) => !common.has(k) && v !== undefined));
}

/**
 * The stack with the personal stages recorded in the state folder appended after its own stages
 * (they are in nobody's promotion order). A record whose name the file now uses is left out.
 */
export async function withPersonalStages(stack: Stack, options: PersonalOptions = {}): Promise<Stack> {
  const records = await listPersonalRecords(stack.root);
  if (records.length === 0) return stack;
  const ttl = personalTtlMs(stack, options);
  const own = new Set(stack.stages.filter(s => !s.personal).map(s => s.name));
  const base = stack.stages.filter(s => !s.personal);
  const personal = records.filter(r => !own.has(r.name)).map((r, i) => personalStage(stack, r, ttl, base.length + i));
  return { ...stack, stages: [...base, ...personal] };
}
