import * as path from 'node:path';
import { withLease } from '../core/lease';
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

/** Read-modify-write under a lease, so concurrent stores (ten `env set --secret` at once) all keep their value. */
export async function storeStageSecret(root: string, stage: string, name: string, value: string): Promise<void> {
  redactor.add(value);
  await changeStageSecrets(root, stage, `storing a secret of ${stage}`, values => ({ ...values, [name]: value }));
}

/** Removes one secret of the stage (an orphan after `env unset`); nothing happens when it is not there. */
export async function deleteStageSecret(root: string, stage: string, name: string): Promise<void> {
  await changeStageSecrets(root, stage, `deleting a secret of ${stage}`, values =>
    Object.hasOwn(values, name) ? Object.fromEntries(Object.entries(values).filter(([k]) => k !== name)) : undefined,
  );
}

/** `change` returns the new values, or undefined for "nothing to write". */
async function changeStageSecrets(root: string, stage: string, action: string, change: (values: Record<string, string>) => Record<string, string> | undefined): Promise<void> {
  await withLease(path.join(stateDir(root), 'locks', `secrets-${stage}.lock`), { action }, async () => {
    const next = change(await readStageSecrets(root, stage));
    if (next) await secretStore.write(file(root, stage), JSON.stringify(next, null, 2));
  });
}

export async function deleteStageSecrets(root: string, stage: string): Promise<void> {
  await secretStore.delete(file(root, stage));
}
