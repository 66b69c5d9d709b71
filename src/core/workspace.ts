import { createHash } from 'node:crypto';
import { existsSync, promises as fs, realpathSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StagecraftError } from './errors';

/**
 * Where Stagecraft keeps a repository's state (runs, artifacts, exported sources, logs, databases,
 * secrets): outside the work tree, in the platform's state folder, one folder per repository.
 * `STAGECRAFT_HOME` (set from the `stagecraft.stateHome` setting by the extension) moves the base.
 */

/** The folder older versions kept inside the repository; migrated once (see stateMigration.ts). */
export const LEGACY_STATE_DIR = '.stagecraft';

/** The variable that moves the base folder; the extension sets it from its setting. */
export const STATE_HOME_VARIABLE = 'STAGECRAFT_HOME';
export const STATE_HOME_SETTING = 'stagecraft.stateHome';

export interface StateHomeEnv {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  homedir?: string;
  isRoot?: boolean;
}

/**
 * The base folder holding every repository's state. As root on Linux (CI containers) the home
 * folder is usually closed to other users, and the database runs as the postgres user, so the
 * default is /var/lib/stagecraft, which Stagecraft opens for it.
 */
export function stateHome(opts: StateHomeEnv = {}): string {
  const env = opts.env ?? process.env;
  const override = env[STATE_HOME_VARIABLE]?.trim();
  if (override) return path.resolve(override);
  const platform = opts.platform ?? process.platform;
  const home = opts.homedir ?? os.homedir();
  if (platform === 'win32') return path.join(env.LOCALAPPDATA || path.join(home, 'AppData', 'Local'), 'stagecraft');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'stagecraft');
  if (env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME)) return path.join(env.XDG_STATE_HOME, 'stagecraft');
  const root = opts.isRoot ?? (typeof process.getuid === 'function' && process.getuid() === 0);
  if (root) return '/var/lib/stagecraft';
  return path.join(home, '.local', 'state', 'stagecraft');
}

/** `<name>-<hash of the real path>`: readable, and two clones named alike never share a folder. */
export function repositoryKey(root: string): string {
  const real = realPath(root);
  const name = path.basename(real).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40) || 'root';
  return `${name}-${createHash('sha256').update(real).digest('hex').slice(0, 12)}`;
}

/**
 * A repository's state folder. An old `<root>/.stagecraft/` that has not been migrated yet (a
 * stage still runs from it) stays in use until it can move, so running stages keep running.
 */
export function stateDir(root: string, opts: StateHomeEnv = {}): string {
  const legacy = legacyStateDir(root);
  if (isDirectory(legacy)) return legacy;
  return path.join(stateHome(opts), repositoryKey(root));
}

export function legacyStateDir(root: string): string {
  return path.join(root, LEGACY_STATE_DIR);
}

/**
 * Creates the state folder with modes that let other users pass through (not list): as root the
 * database runs as the postgres user and must reach its folder below. Secrets sit in 0700 folders
 * inside. A folder that cannot be written is a clear error naming it and how to move it.
 */
export async function prepareStateDir(root: string, opts: StateHomeEnv = {}): Promise<string> {
  const dir = stateDir(root, opts);
  try {
    await makeFolder(dir, 0o711);
    // A folder made earlier by a `mkdir -p … 0700` below it is opened here (only ours, never the repository).
    const ours = dir === legacyStateDir(root) ? [dir] : [stateHome(opts), dir];
    for (const d of ours) await letOthersEnter(d);
    const marker = path.join(dir, 'repository');
    if (!existsSync(marker)) await writeFileAtomic(marker, `${realPath(root)}\n`, 0o644);
  } catch (err) {
    throw stateDirError(dir, err);
  }
  return dir;
}

/**
 * `mkdir -p` that reports the real reason: Node's recursive mkdir answers ENOENT where a parent
 * cannot be made (a read-only filesystem, no permission), so the first missing folder is made again
 * alone, and its error (EROFS, EACCES…) is the one thrown.
 */
export async function makeFolder(dir: string, mode: number): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true, mode });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    let missing = path.resolve(dir);
    while (!existsSync(path.dirname(missing)) && path.dirname(missing) !== missing) missing = path.dirname(missing);
    await fs.mkdir(missing, { mode });
    throw err;
  }
}

async function letOthersEnter(dir: string): Promise<void> {
  const st = await fs.stat(dir);
  if ((st.mode & 0o011) !== 0o011 && st.uid === process.getuid?.()) await fs.chmod(dir, (st.mode & 0o777) | 0o011);
}

export function stateDirError(dir: string, err: unknown): StagecraftError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'EACCES' || code === 'EPERM' ? 'it is not writable' : code === 'EROFS' ? 'it is on a read-only filesystem' : code === 'ENOSPC' ? 'the disk is full' : (err as Error).message;
  return new StagecraftError(`Stagecraft cannot write its state folder ${dir}: ${why}.`, {
    kind: 'input',
    cause: err,
    hint: `Free the folder, or move Stagecraft's state with the ${STATE_HOME_VARIABLE} environment variable or the "${STATE_HOME_SETTING}" setting.`,
  });
}

/** Temp file + rename in the same folder, so a crash or a full disk never leaves half a file. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await fs.writeFile(tmp, data, { mode });
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

function realPath(p: string): string {
  try {
    return realpathSync.native(path.resolve(p));
  } catch {
    return path.resolve(p);
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
