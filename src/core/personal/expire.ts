import { branchExists, isIntegrated } from '../../git/branchState';
import type { Stack, Stage } from '../model';
import type { ProviderLookup } from '../providerModule';
import { listPersonalRecords, removePersonalRecord, type PersonalStageRecord } from './registry';
import { expiresAt, personalStage, personalTtlMs, type PersonalOptions } from './stage';
import { DAY_MS } from './ttl';

/** What tells a personal stage's branch is gone: git by default, injectable for tests. */
export interface BranchFacts {
  branchExists(branch: string): Promise<boolean>;
  isIntegrated(commit: string): Promise<boolean>;
}

export function gitBranchFacts(root: string): BranchFacts {
  return { branchExists: b => branchExists(root, b), isIntegrated: c => isIntegrated(root, c) };
}

export interface ExpireOptions extends PersonalOptions {
  /** The clock; tests inject one. */
  now?: Date;
  git?: BranchFacts;
  /** Stages the current run deploys: they are renewed by it, not destroyed before it. */
  keep?: string[];
  /** Report what would go; destroy nothing. */
  dryRun?: boolean;
  /** Tears a stage down; its provider's destroy (through `providers`) by default. */
  destroy?: (stack: Stack, stage: Stage) => Promise<void>;
  /** Who destroys an expired stage when `destroy` is not given. */
  providers?: ProviderLookup;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface ExpiredStage {
  name: string;
  owner: string;
  branch: string;
  /** "its TTL passed on …", "feature/x was merged", "feature/x was deleted". */
  why: string;
  destroyed: boolean;
  /** Why the destroy failed; the record stays so the next sweep tries again. */
  error?: string;
}

export interface ExpireReport {
  expired: ExpiredStage[];
  /** Stages that go within a day: the notification's list. */
  soon: { name: string; owner: string; expiresAt: string }[];
}

/**
 * Destroys the personal stages whose time to live has passed or whose branch was merged or
 * deleted: processes, database, secrets and the artifacts only they used (the provider's destroy),
 * then their record. Protected and stack-file stages never expire. Runs at each run, refresh,
 * `stagecraft stage expire`, `stagecraft gc`, and the editor's daily sweep.
 */
export async function expirePersonalStages(stack: Stack, options: ExpireOptions = {}): Promise<ExpireReport> {
  const now = options.now ?? new Date();
  const git = options.git ?? gitBranchFacts(stack.root);
  const ttl = personalTtlMs(stack, options);
  const shared = new Set(stack.stages.filter(s => !s.personal).map(s => s.name));
  const report: ExpireReport = { expired: [], soon: [] };
  const records = await listPersonalRecords(stack.root);
  for (const [i, record] of records.entries()) {
    if (shared.has(record.name) || options.keep?.includes(record.name)) continue;
    const stage = personalStage(stack, record, ttl, stack.stages.length + i);
    if (stage.protected) continue;
    const why = await expiryReason(record, ttl, now, git);
    if (!why) {
      const at = expiresAt(record, ttl);
      if (Date.parse(at) - now.getTime() <= DAY_MS) report.soon.push({ name: record.name, owner: record.owner, expiresAt: at });
      continue;
    }
    const entry: ExpiredStage = { name: record.name, owner: record.owner, branch: record.branch, why, destroyed: false };
    report.expired.push(entry);
    if (options.dryRun) continue;
    options.log?.(`Personal stage ${record.name} (${record.owner}) expires: ${why}`);
    try {
      await (options.destroy ?? destroyWithProvider(options))(stack, stage);
      await removePersonalRecord(stack.root, record.name);
      entry.destroyed = true;
    } catch (err) {
      entry.error = (err as Error).message;
      options.log?.(`Could not destroy ${record.name}: ${entry.error}`);
    }
  }
  return report;
}

async function expiryReason(record: PersonalStageRecord, ttl: number, now: Date, git: BranchFacts): Promise<string | undefined> {
  const at = expiresAt(record, ttl);
  if (Date.parse(at) <= now.getTime()) return `its time to live ran out at ${at}`;
  if (!(await git.branchExists(record.branch))) return `its branch ${record.branch} was deleted`;
  // Only a commit that was not on develop/main when deployed, and is now, says "merged".
  if (record.lastCommit && record.integratedAtDeploy === false && (await git.isIntegrated(record.lastCommit))) {
    return `its branch ${record.branch} was merged`;
  }
  return undefined;
}

function destroyWithProvider(options: ExpireOptions): (stack: Stack, stage: Stage) => Promise<void> {
  return async (stack, stage) => {
    if (!options.providers) throw new Error(`no provider to destroy ${stage.name} with`);
    const provider = await options.providers.get(stage.provider, `Expire ${stage.name}`);
    await provider.destroy(stack, stage, { signal: options.signal, log: options.log });
  };
}
