import type { ProviderModule, StateMoveHandle } from './providerModule';
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError } from './errors';
import { legacyStateDir, makeFolder, prepareStateDir, repositoryKey, STATE_HOME_VARIABLE, stateDirError, stateHome, type StateHomeEnv } from './workspace';

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

export interface StateMoveOptions {
  /** The base folder the state is in now (a former STAGECRAFT_HOME / setting, or the platform default). */
  fromHome: string;
  /** The base folder it goes to. */
  toHome: string;
  /** What still runs from the repository's state folder (see stateInUseBy); the move is refused while anything does. */
  inUse: (dir: string) => Promise<string[]>;
  /** The providers' preparations (credential store entries named by paths in the folder; see stateMoveHooksOf). */
  prepare?: (from: string, to: string) => Promise<StateMoveHandle[]>;
  say?: (line: string) => void;
}

/** What a state folder may hold that is derived and made again on demand: the folder's name tag and the ledger's cache. */
const REGENERATED = new Set(['repository', 'cache']);

export type StateMoveResult = { outcome: 'moved'; from: string; to: string; how: 'renamed' | 'copied' } | { outcome: 'nothing'; from: string } | { outcome: 'same'; dir: string };

/**
 * Moves one repository's state folder from one base folder to another, after the state home
 * changed (`STAGECRAFT_HOME`, the `stagecraft.stateHome` setting). All or nothing: one rename on
 * the same filesystem; across filesystems a copy beside the target, checked file by file against
 * the original, renamed into place, and only then the original removed. Refused while a stage or
 * database runs from it (they write there by path), and when the target already holds state.
 */
export async function moveRepositoryState(root: string, opts: StateMoveOptions): Promise<StateMoveResult> {
  const key = repositoryKey(root);
  const from = path.join(path.resolve(opts.fromHome), key);
  const to = path.join(path.resolve(opts.toHome), key);
  if (from === to) return { outcome: 'same', dir: to };
  const st = await fs.lstat(from).catch(() => undefined);
  if (!st?.isDirectory()) return { outcome: 'nothing', from };
  // Where it goes must take it, whatever else: checked first, so that is the error a blocked folder gets.
  await makeWritableHome(opts.toHome);
  const busy = await opts.inUse(from);
  if (busy.length > 0) {
    throw new StagecraftError(`Stagecraft's state in ${from} cannot move while something runs from it (${busy.join(', ')}): they read and write it by path.`, {
      kind: 'input',
      hint: 'Stop those stages first (`stagecraft destroy STAGE` tears one down), then move again; until then the state stays where it is.',
    });
  }
  const there = await fs.readdir(to).catch(() => [] as string[]);
  if (there.some(name => !REGENERATED.has(name))) {
    throw new StagecraftError(`${to} already holds Stagecraft state of this repository, so ${from} was not moved there.`, {
      kind: 'input',
      hint: `Keep one of them: remove ${to} to move the old state there, or leave the old state in ${from} (it is no longer used).`,
    });
  }
  // A target holding only what is made again on demand (a view read the ledger under the new setting) gives way.
  await removeTree(to);
  const handles = (await opts.prepare?.(from, to)) ?? [];
  let how: 'renamed' | 'copied' = 'renamed';
  try {
    try {
      await fs.rename(from, to);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw moveError(from, to, err);
      how = 'copied';
      await copyVerified(from, to);
    }
  } catch (err) {
    for (const h of handles) await h.undo().catch(() => undefined);
    throw err;
  }
  for (const h of handles) await h.done().catch(() => undefined);
  if (how === 'copied') {
    await removeTree(from).catch(err => opts.say?.(`Moved the state to ${to}, but the old copy in ${from} could not be removed (${(err as Error).message}); remove it by hand.`));
  }
  await prepareStateDir(root, { env: { [STATE_HOME_VARIABLE]: path.resolve(opts.toHome) } });
  opts.say?.(`Moved Stagecraft's state of ${root} from ${from} to ${to}.`);
  return { outcome: 'moved', from, to, how };
}

/** The new base folder, made if needed, and checked writable before anything moves. */
async function makeWritableHome(home: string): Promise<void> {
  try {
    await makeFolder(home, 0o711);
    await fs.access(home, fs.constants.W_OK);
    // access() trusts the mode bits; a read-only mount or a quota only shows on a real write.
    const probe = path.join(home, `.stagecraft-probe-${process.pid}`);
    await fs.writeFile(probe, '');
    await fs.rm(probe, { force: true });
  } catch (err) {
    throw stateDirError(home, err);
  }
}

function moveError(from: string, to: string, err: unknown): StagecraftError {
  const e = stateDirError(to, err);
  return new StagecraftError(`Could not move ${from} to ${to}: ${e.message.replace(/^Stagecraft cannot write its state folder [^:]*: /, '')}`, { kind: 'input', cause: err, hint: e.hint });
}

/**
 * Copies `from` to a temporary folder beside `to`, compares every file's size and SHA-256 and every
 * link's target with the original, then renames it to `to`. A failure leaves `to` absent and
 * `from` untouched. Sockets are skipped: a stale control socket means nothing once its daemon is gone.
 */
async function copyVerified(from: string, to: string): Promise<void> {
  const tmp = `${to}.moving-${process.pid}`;
  try {
    await fs.cp(from, tmp, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true, filter: async s => !(await fs.lstat(s)).isSocket() });
    const [a, b] = await Promise.all([treeDigest(from), treeDigest(tmp)]);
    const differs = [...a.keys()].find(k => a.get(k) !== b.get(k)) ?? [...b.keys()].find(k => !a.has(k));
    if (differs !== undefined) throw new Error(`the copy of ${differs} differs from the original`);
    await fs.rename(tmp, to);
  } catch (err) {
    await removeTree(tmp).catch(() => undefined);
    throw moveError(from, to, err);
  }
}

/** Relative path → "dir", "link <target>" or "<size> <sha256>" for everything but sockets. */
async function treeDigest(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    for (const d of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, d.name);
      const abs = path.join(dir, r);
      if (d.isDirectory()) {
        out.set(r, 'dir');
        await walk(r);
      } else if (d.isSymbolicLink()) out.set(r, `link ${await fs.readlink(abs)}`);
      else if (d.isFile()) out.set(r, `${(await fs.stat(abs)).size} ${await sha256(abs)}`);
    }
  };
  await walk('');
  return out;
}

function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file).on('error', reject).on('data', c => hash.update(c)).on('end', () => resolve(hash.digest('hex')));
  });
}

/** Removes a tree even where artifacts made folders read-only (a folder needs write permission to lose entries). */
async function removeTree(dir: string): Promise<void> {
  try {
    await fs.rm(dir, { recursive: true, force: true });
    return;
  } catch {
    // Read-only folders below: open them to their owner, then again.
  }
  const open = async (d: string): Promise<void> => {
    await fs.chmod(d, 0o700).catch(() => undefined);
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) if (e.isDirectory()) await open(path.join(d, e.name));
  };
  await open(dir);
  await fs.rm(dir, { recursive: true, force: true });
}

/** Every registered provider's preparation for a state folder that moves (see ProviderModule.prepareStateMove). */
export function stateMoveHooksOf(providers: { names(): string[]; module(name: string): ProviderModule | undefined }, stages: readonly string[]): (from: string, to: string) => Promise<StateMoveHandle[]> {
  return async (from, to) => {
    const handles: StateMoveHandle[] = [];
    try {
      for (const name of providers.names()) {
        const handle = await providers.module(name)?.prepareStateMove?.(from, to, stages);
        if (handle) handles.push(handle);
      }
    } catch (err) {
      for (const h of handles) await h.undo().catch(() => undefined);
      throw err;
    }
    return handles;
  };
}
