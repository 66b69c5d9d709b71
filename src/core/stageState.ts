import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { StageStatus } from './model';
import { stateDir } from './workspace';
import { writeJsonAtomic } from './jsonFile';

/**
 * The last known state of each stage, recorded under `<state folder>/stages/` by whoever deployed
 * it (a provider, the pipeline). It lets the tree and `status` answer without asking a cloud.
 */
export function stageStateFile(root: string, stage: string): string {
  return path.join(stateDir(root), 'stages', `${stage}.json`);
}

export async function readStageState(root: string, stage: string): Promise<StageStatus> {
  try {
    const parsed = JSON.parse(await fs.readFile(stageStateFile(root, stage), 'utf8')) as StageStatus;
    return typeof parsed.kind === 'string' ? parsed : { kind: 'unknown', detail: 'unreadable state record' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'not-deployed' };
    return { kind: 'unknown', detail: `unreadable state record: ${(err as Error).message}` };
  }
}

/** Writes atomically so a reader never sees half a record. */
export async function writeStageState(root: string, stage: string, status: StageStatus): Promise<void> {
  const file = stageStateFile(root, stage);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeJsonAtomic(file, { ...status, updatedAt: status.updatedAt ?? new Date().toISOString() });
}
