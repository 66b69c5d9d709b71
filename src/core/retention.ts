import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { listRuns, runDir } from './pipeline/store';
import type { RunRecord } from './pipeline/types';
import { stateDir } from './workspace';

/**
 * Retention of what runs leave behind. Kept: the newest N runs of each stage (N from the
 * `stagecraft.retention.keep` setting or STAGECRAFT_KEEP, default 5) and every run that is not over
 * (running, awaiting approval: a live run may still need its record). Providers sweep their own
 * artifacts and exports with the same N (see local/gc.ts).
 */
export const KEEP_VARIABLE = 'STAGECRAFT_KEEP';
export const DEFAULT_KEEP = 5;

export function keepCount(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number.parseInt(env[KEEP_VARIABLE] ?? '', 10);
  return Number.isInteger(n) && n >= 1 ? n : DEFAULT_KEEP;
}

export function isRunOver(run: RunRecord): boolean {
  return run.status !== 'running' && run.status !== 'awaiting-approval';
}

/** What a provider's sweep removed, for `stagecraft gc` to print. */
export interface GarbageReport {
  artifactsRemoved: string[];
  artifactsKept: string[];
  sourcesRemoved: string[];
  runsRemoved: string[];
  bytesFreed: number;
}

export interface RunPruneResult {
  kept: RunRecord[];
  removed: string[];
}

/** Removes run records beyond the newest `keep` of each stage; unfinished runs always stay. */
export async function pruneRuns(root: string, keep: number, opts: { dryRun?: boolean } = {}): Promise<RunPruneResult> {
  // Newest first (run ids sort by time); an interrupted run reads as 'interrupted' and may go.
  const runs = await listRuns(root);
  const perStage = new Map<string, number>();
  const kept: RunRecord[] = [];
  const removed: string[] = [];
  for (const run of runs) {
    const stages = run.stages.length > 0 ? run.stages : ['(build only)'];
    const recent = stages.some(s => (perStage.get(s) ?? 0) < keep);
    for (const s of stages) perStage.set(s, (perStage.get(s) ?? 0) + 1);
    if (recent || !isRunOver(run)) {
      kept.push(run);
      continue;
    }
    removed.push(run.id);
    if (!opts.dryRun) await fs.rm(runDir(root, run.id), { recursive: true, force: true });
  }
  return { kept, removed };
}

export interface DiskUsage {
  dir: string;
  bytes: number;
  /** Top-level parts of the state folder: artifacts, sources, runs, db, logs, deps, … */
  parts: Record<string, number>;
}

/** What Stagecraft's state folder of a repository takes on disk (apparent sizes of regular files). */
export async function stateDiskUsage(root: string): Promise<DiskUsage> {
  const dir = stateDir(root);
  const parts: Record<string, number> = {};
  let bytes = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const size = await treeSize(path.join(dir, entry.name));
    parts[entry.name] = size;
    bytes += size;
  }
  return { dir, bytes, parts };
}

export async function treeSize(p: string): Promise<number> {
  const st = await fs.lstat(p).catch(() => undefined);
  if (!st) return 0;
  if (!st.isDirectory()) return st.isFile() ? st.size : 0;
  let total = 0;
  for (const name of await fs.readdir(p).catch(() => [] as string[])) total += await treeSize(path.join(p, name));
  return total;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v >= 10 ? 0 : 1)} ${units[i]}`;
}
