import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { redactor } from '../core/redact';
import { stateDir } from '../core/workspace';
import { writeJsonAtomic } from '../core/jsonFile';

/**
 * Values a local stage's `env` refers to as `{ secret: NAME }`. Kept under `.stagecraft/secrets/`
 * (git-ignored, mode 0600), never in stagecraft.yaml; every value is registered with the redactor.
 */
function file(root: string, stage: string): string {
  return path.join(stateDir(root), 'secrets', `${stage}.env.json`);
}

export async function readStageSecrets(root: string, stage: string): Promise<Record<string, string>> {
  try {
    const values = JSON.parse(await fs.readFile(file(root, stage), 'utf8')) as Record<string, string>;
    for (const v of Object.values(values)) redactor.add(v);
    return values;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
}

export async function storeStageSecret(root: string, stage: string, name: string, value: string): Promise<void> {
  redactor.add(value);
  await writeStageSecrets(root, stage, { ...(await readStageSecrets(root, stage)), [name]: value });
}

/** Removes one secret of the stage (an orphan after `env unset`); nothing happens when it is not there. */
export async function deleteStageSecret(root: string, stage: string, name: string): Promise<void> {
  const values = await readStageSecrets(root, stage);
  if (!Object.hasOwn(values, name)) return;
  const rest = Object.fromEntries(Object.entries(values).filter(([k]) => k !== name));
  await writeStageSecrets(root, stage, rest);
}

async function writeStageSecrets(root: string, stage: string, values: Record<string, string>): Promise<void> {
  const target = file(root, stage);
  await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  await writeJsonAtomic(target, values, { mode: 0o600 });
}

export async function deleteStageSecrets(root: string, stage: string): Promise<void> {
  await fs.rm(file(root, stage), { force: true });
}
