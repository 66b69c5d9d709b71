import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { listRuns } from '../core/pipeline';
import { readStageState } from '../core/stageState';
import { stateDir } from '../core/workspace';
import { removeArtifact } from './artifact';
import { readRuntimeState } from './runtime/state';
import { runtimeRoot } from './runtime/paths';

/** The artifacts a stage refers to: what it serves, starts, or last served (state record and runtime). */
export async function artifactsOfStage(root: string, stage: string): Promise<Set<string>> {
  const [recorded, runtime] = await Promise.all([readStageState(root, stage), readRuntimeState(root, stage).catch(() => undefined)]);
  const ids = [recorded.artifact, runtime?.active?.artifactId, runtime?.candidate?.artifactId, runtime?.lastActive?.artifactId];
  return new Set(ids.filter((id): id is string => typeof id === 'string'));
}

/** Every stage with local state in the workspace (stage records and runtime folders). */
async function stagesWithState(root: string): Promise<string[]> {
  const list = (dir: string) => fs.readdir(dir).catch(() => [] as string[]);
  const records = (await list(path.join(stateDir(root), 'stages'))).filter(n => n.endsWith('.json')).map(n => n.slice(0, -5));
  return [...new Set([...records, ...(await list(runtimeRoot(root)))])];
}

/**
 * Removes the artifacts in `ids` that no other stage refers to: what a destroyed stage alone used.
 * Returns the ids removed. Runs keep only ids, so a later run of the same commit builds it again.
 */
export async function removeArtifactsOnlyUsedBy(root: string, stage: string, ids: Set<string>): Promise<string[]> {
  const inUse = new Set<string>();
  for (const other of await stagesWithState(root)) {
    if (other === stage) continue;
    for (const id of await artifactsOfStage(root, other)) inUse.add(id);
  }
  // A run still going may be about to deploy the same content-addressed artifact elsewhere.
  for (const run of await listRuns(root, { limit: 20 }).catch(() => [])) {
    if (run.artifact && (run.status === 'running' || run.status === 'awaiting-approval')) inUse.add(run.artifact.id);
  }
  const removed: string[] = [];
  for (const id of ids) {
    if (inUse.has(id)) continue;
    await removeArtifact(path.join(stateDir(root), 'artifacts'), id).catch(() => undefined);
    removed.push(id);
  }
  return removed;
}
