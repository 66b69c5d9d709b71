import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describeCommits } from '../../git/commitLog';
import type { Stack } from '../model';
import { writeJsonAtomic } from '../jsonFile';
import { readStageState } from '../stageState';
import { stateDir } from '../workspace';
import { assembleLedger, type CurrentReleases } from './build';
import { loadRunShares } from './runCache';
import type { CommitInfo, LedgerEntry, LedgerOptions } from './types';

export interface LoadLedgerOptions extends LedgerOptions {
  /** How many of the branch's latest commits to show besides those the runs name (default 20). */
  branchCommits?: number;
}

/** The ledger of a stack: its run records, what each stage runs now, and git's word on each commit. */
export async function loadLedger(stack: Stack, options: LoadLedgerOptions = {}): Promise<LedgerEntry[]> {
  const [shares, states] = await Promise.all([loadRunShares(stack.root), Promise.all(stack.stages.map(s => readStageState(stack.root, s.name)))]);
  const current: CurrentReleases = Object.fromEntries(stack.stages.map((s, i) => [s.name, states[i].commit ? { commit: states[i].commit } : undefined]));
  const named = new Set<string>();
  for (const share of shares) for (const item of share.items) named.add(item.commit);
  const commits = await commitsFor(stack.root, [...named], options.branchCommits ?? 20);
  return assembleLedger(shares, current, commits, options);
}

/**
 * The branch's latest commits and the details of the named ones. A commit never changes, so what
 * git said of it is kept in `<state folder>/cache/commits.json`; only new hashes cost a git call.
 */
async function commitsFor(root: string, named: string[], limit: number): Promise<CommitInfo[]> {
  const file = path.join(stateDir(root), 'cache', 'commits.json');
  const known: Record<string, CommitInfo> = await fs.readFile(file, 'utf8').then(t => JSON.parse(t) as Record<string, CommitInfo>, () => ({}));
  const unknown = named.filter(h => !known[h]);
  const found = await describeCommits(root, { limit, extra: unknown });
  const fromBranch = found.slice(0, limit);
  let added = false;
  for (const c of found) {
    if (!known[c.hash]) {
      known[c.hash] = c;
      added = true;
    }
  }
  if (added) {
    await fs.mkdir(path.dirname(file), { recursive: true }).catch(() => undefined);
    await writeJsonAtomic(file, known).catch(() => undefined); // best effort: the next listing asks git again
  }
  const out = new Map(fromBranch.map(c => [c.hash, c]));
  for (const h of named) if (known[h] && !out.has(h)) out.set(h, known[h]);
  return [...out.values()];
}
