import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { withLease } from '../core/lease';
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
  const target = file(root, stage);
  // Only the secrets folder is private: a 0700 state folder would keep PostgreSQL's user out of it.
  await fs.mkdir(stateDir(root), { recursive: true });
  await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  await withLease(`${target}.lock`, { action }, async () => {
    const next = change(await readStageSecrets(root, stage));
    if (next) await writeJsonAtomic(target, next, { mode: 0o600 });
  });
}

export async function deleteStageSecrets(root: string, stage: string): Promise<void> {
  await fs.rm(file(root, stage), { force: true });
}
