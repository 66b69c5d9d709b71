import * as path from 'node:path';
import { redactor } from '../core/redact';
import { stateDir } from '../core/workspace';
import { secretStore } from './secretStore';

/**
 * Values a local stage's `env` refers to as `{ secret: NAME }`: in the OS credential store, else in
 * `<state folder>/secrets/<stage>.env.json` (mode 0600), never in stagecraft.yaml nor anywhere in
 * the repository. Every value is registered with the redactor.
 */
function file(root: string, stage: string): string {
  return path.join(stateDir(root), 'secrets', `${stage}.env.json`);
}

export async function readStageSecrets(root: string, stage: string): Promise<Record<string, string>> {
  const raw = await secretStore.read(file(root, stage));
  if (raw === undefined) return {};
  const values = JSON.parse(raw) as Record<string, string>;
  for (const v of Object.values(values)) redactor.add(v);
  return values;
}

export async function storeStageSecret(root: string, stage: string, name: string, value: string): Promise<void> {
  redactor.add(value);
  const values = { ...(await readStageSecrets(root, stage)), [name]: value };
  await secretStore.write(file(root, stage), JSON.stringify(values, null, 2));
}

export async function deleteStageSecrets(root: string, stage: string): Promise<void> {
  await secretStore.delete(file(root, stage));
}
