import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isRunOver, pruneRuns, treeSize, type GarbageReport } from '../core/retention';
import { readStageState } from '../core/stageState';
import { stateDir } from '../core/workspace';
import { removeArtifact } from './artifact';
import { readAllRuntimeStates } from './runtime/state';

/**
 * Retention for the local provider's part of the state folder:
 * - artifacts: kept while a stage runs it, is starting it, or ran it last (so a stopped stage can
 *   start again), or an unfinished run uses it, plus the newest `keep` others (newest = last built
 *   or reused); the rest is removed;
 * - exported sources (`sources/<commit>`): kept only for unfinished runs; a later run exports again;
 * - run records: the newest `keep` per stage (core/retention.ts).
 * Runs after every local run and on `stagecraft gc`; `destroy` unpins what the stage held.
 */
export type LocalGcResult = GarbageReport;

const ARTIFACT_ID = /^[0-9a-f]{64}$/;

export async function collectLocalGarbage(root: string, keep: number, opts: { dryRun?: boolean } = {}): Promise<LocalGcResult> {
  const dir = stateDir(root);
  const { kept: runs, removed: runsRemoved } = await pruneRuns(root, keep, opts);
  let bytesFreed = 0;

  // What must stay whatever its age.
  const pinned = new Set<string>();
  const liveCommits = new Set<string>();
  for (const state of await readAllRuntimeStates(root)) {
    for (const id of [state.active?.artifactId, state.candidate?.artifactId, state.lastActive?.artifactId]) if (id) pinned.add(id);
  }
  for (const file of await fs.readdir(path.join(dir, 'stages')).catch(() => [] as string[])) {
    if (!file.endsWith('.json')) continue;
    const recorded = await readStageState(root, file.slice(0, -'.json'.length)).catch(() => undefined);
    if (recorded?.artifact) pinned.add(recorded.artifact);
  }
  const lastUsedByRun = new Map<string, number>();
  for (const run of runs) {
    if (!run.artifact) {
      if (!isRunOver(run)) liveCommits.add(run.commit);
      continue;
    }
    const at = Date.parse(run.createdAt);
    lastUsedByRun.set(run.artifact.id, Math.max(lastUsedByRun.get(run.artifact.id) ?? 0, at));
    if (!isRunOver(run)) {
      pinned.add(run.artifact.id);
      liveCommits.add(run.commit);
    }
  }

  // Artifacts: the pinned ones, then the newest `keep` of the rest.
  const artifactsDir = path.join(dir, 'artifacts');
  const artifacts: Array<{ id: string; usedAt: number }> = [];
  for (const id of (await fs.readdir(artifactsDir).catch(() => [] as string[])).filter(n => ARTIFACT_ID.test(n))) {
    artifacts.push({ id, usedAt: Math.max(await artifactTime(artifactsDir, id), lastUsedByRun.get(id) ?? 0) });
  }
  artifacts.sort((a, b) => b.usedAt - a.usedAt);
  const artifactsRemoved: string[] = [];
  const artifactsKept: string[] = [];
  let recent = 0;
  for (const a of artifacts) {
    if (pinned.has(a.id)) {
      artifactsKept.push(a.id);
      continue;
    }
    if (recent < keep) {
      recent++;
      artifactsKept.push(a.id);
      continue;
    }
    artifactsRemoved.push(a.id);
    bytesFreed += await treeSize(path.join(artifactsDir, a.id));
    if (!opts.dryRun) await removeArtifact(artifactsDir, a.id);
  }

  // Exported sources: only unfinished runs need theirs.
  const sourcesDir = path.join(dir, 'sources');
  const sourcesRemoved: string[] = [];
  for (const commit of await fs.readdir(sourcesDir).catch(() => [] as string[])) {
    if (liveCommits.has(commit) || commit.includes('.tmp')) continue;
    sourcesRemoved.push(commit);
    bytesFreed += await treeSize(path.join(sourcesDir, commit));
    if (!opts.dryRun) await removeTreeWritable(path.join(sourcesDir, commit));
  }
  return { artifactsRemoved, artifactsKept, sourcesRemoved, runsRemoved, bytesFreed };
}

/** When the artifact was built or last reused (its manifest is touched on reuse). */
async function artifactTime(artifactsDir: string, id: string): Promise<number> {
  const st = await fs.stat(path.join(artifactsDir, id, 'manifest.json')).catch(() => undefined);
  return st?.mtimeMs ?? 0;
}

/** Exports may hold read-only files (installed packages): make folders writable, then remove. */
async function removeTreeWritable(dir: string): Promise<void> {
  try {
    await fs.rm(dir, { recursive: true, force: true });
  } catch {
    const { removeTree } = await import('./artifact/fsTree.js');
    await removeTree(dir);
  }
}
