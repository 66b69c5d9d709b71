import type { ProviderModule } from './providerModule';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { legacyStateDir, prepareStateDir, repositoryKey, stateDirError, stateHome, type StateHomeEnv } from './workspace';

/**
 * Older versions kept state in `<root>/.stagecraft/`. It moves once to the state folder outside the
 * repository. A stage still running from it (a runtime daemon, a database server) keeps running
 * there, and the move waits until nothing does: the provider says what is in use.
 */
export interface MigrationOptions extends StateHomeEnv {
  /** What still runs from the old folder (for example "stage dev (database)"); empty when nothing. */
  inUse: (legacyDir: string) => Promise<string[]>;
  say: (line: string) => void;
}

export type MigrationResult = { outcome: 'none' } | { outcome: 'moved'; from: string; to: string } | { outcome: 'postponed'; from: string; busy: string[] };

export async function migrateLegacyState(root: string, opts: MigrationOptions): Promise<MigrationResult> {
  const from = legacyStateDir(root);
  const st = await fs.stat(from).catch(() => undefined);
  if (!st?.isDirectory()) return { outcome: 'none' };
  const busy = await opts.inUse(from);
  if (busy.length > 0) {
    opts.say(`Stagecraft keeps its state outside the repository now; ${from} moves there once nothing runs from it (still running: ${busy.join(', ')}).`);
    return { outcome: 'postponed', from, busy };
  }
  const to = path.join(stateHome(opts), repositoryKey(root));
  await fs.mkdir(to, { recursive: true, mode: 0o711 }).catch(err => {
    throw stateDirError(to, err);
  });
  for (const name of await fs.readdir(from)) {
    let target = path.join(to, name);
    // Both places hold the same entry (state made elsewhere meanwhile): keep both, the old one aside.
    if (await exists(target)) target = path.join(to, 'from-repository', name);
    await move(path.join(from, name), target);
  }
  await fs.rm(from, { recursive: true, force: true });
  await prepareStateDir(root, opts);
  opts.say(`Moved Stagecraft's state from ${from} to ${to}: runs, artifacts, logs, databases and secrets no longer live in the repository.`);
  return { outcome: 'moved', from, to };
}

/** rename when both sit on one filesystem, else copy then remove (never half: the copy goes first). */
async function move(src: string, dest: string): Promise<void> {
  await fs.mkdir(path.dirname(dest), { recursive: true });
  try {
    await fs.rename(src, dest);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    const tmp = `${dest}.moving-${process.pid}`;
    // A stale control socket cannot be copied and means nothing once its daemon is gone.
    await fs.cp(src, tmp, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true, filter: async s => !(await fs.lstat(s)).isSocket() });
    await fs.rename(tmp, dest);
    await fs.rm(src, { recursive: true, force: true });
  }
}

function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

/** What any registered provider still runs from `dir` (see ProviderModule.stateInUse). */
export function stateInUseBy(providers: { names(): string[]; module(name: string): ProviderModule | undefined }): (dir: string) => Promise<string[]> {
  return async dir => (await Promise.all(providers.names().map(n => providers.module(n)?.stateInUse?.(dir) ?? Promise.resolve([])))).flat();
}
