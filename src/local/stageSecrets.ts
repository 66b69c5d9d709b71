import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { withLease } from '../core/lease';
import { redactor } from '../core/redact';
import { stateDir } from '../core/workspace';

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
  const target = file(root, stage);
  // Only the secrets folder is private: a 0700 state folder would keep PostgreSQL's user out of it.
  await fs.mkdir(stateDir(root), { recursive: true });
  await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  await withLease(`${target}.lock`, { action: `storing a secret of ${stage}` }, async () => {
    const values = { ...(await readStageSecrets(root, stage)), [name]: value };
    const tmp = `${target}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(values, null, 2), { mode: 0o600 });
    await fs.rename(tmp, target);
  });
}

export async function deleteStageSecrets(root: string, stage: string): Promise<void> {
  await fs.rm(file(root, stage), { force: true });
}
