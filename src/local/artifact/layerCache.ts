import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runProcess } from '../../core/exec';
import { removeTree } from './fsTree';
import { fingerprintTree, restoreToFingerprint, type TreeFingerprint } from './treeFingerprint';

/**
 * The build cache: a stage's whole root as it was right after a RUN, keyed by content the way Docker
 * keys layers — the stage's start (runtime and version, or the base stage's key), every instruction
 * up to and including the RUN, and the content of everything COPY/ADDed before it. A later build
 * whose key matches restores the root and skips the steps up to there; so an unchanged lockfile
 * skips `npm ci` / `pip install` whatever the commit, branch or stage.
 *
 * It lives in the state folder (`<state>/build-cache/<key>/root`), shared by every commit and
 * stage of the workspace, bounded in size: least recently used entries go first.
 *
 * The final stage's root becomes the artifact, so it gets a copy. A stage that is thrown away after
 * the build (a `builder`) borrows the entry instead: its root is moved in (no copy of a whole
 * node_modules) and moved back at the end, with what the later steps added removed, if nothing
 * that was in it changed (`files.json` describes it); otherwise the entry is dropped. Such a stage
 * also saves by lending (`lend`): the entry is recorded and its root given back the same way.
 */
export interface LayerCacheOptions {
  dir: string;
  /** Bytes kept at most; STAGECRAFT_BUILD_CACHE_MB or 2 GiB. */
  maxBytes?: number;
}

interface EntryMeta {
  key: string;
  bytes: number;
  what: string;
}

/** A cache entry's root moved into a build (see LayerCache.borrow). */
export interface Borrowed {
  key: string;
  root: string;
  files: TreeFingerprint;
}

export function layerKey(previous: string, ...parts: string[]): string {
  const hash = createHash('sha256').update(previous);
  for (const part of parts) hash.update('\0').update(part);
  return hash.digest('hex');
}

export class LayerCache {
  readonly dir: string;
  private readonly maxBytes: number;

  constructor(opts: LayerCacheOptions) {
    this.dir = opts.dir;
    const fromEnv = Number(process.env.STAGECRAFT_BUILD_CACHE_MB);
    this.maxBytes = opts.maxBytes ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv * 1024 * 1024 : 2 * 1024 * 1024 * 1024);
  }

  private entry(key: string): string {
    return path.join(this.dir, key);
  }

  /** Whether the entry is there to use (not borrowed by another build at this moment). */
  async has(key: string): Promise<boolean> {
    const there = (name: string) =>
      fs.stat(path.join(this.entry(key), name)).then(
        () => true,
        () => false,
      );
    return (await there('meta.json')) && (await there('root'));
  }

  /** Copies the cached root into `root` (which must be empty or absent) and marks the entry used. */
  async restore(key: string, root: string): Promise<void> {
    await fs.mkdir(root, { recursive: true });
    await copyAll(path.join(this.entry(key), 'root'), root);
    await this.markUsed(key);
  }

  /**
   * Moves the cached root to `root` (which must not exist) for a build that gives it back with
   * `giveBack`. Undefined when it cannot (another build holds it, an entry from before files.json):
   * the caller restores a copy or runs the steps.
   */
  async borrow(key: string, root: string): Promise<Borrowed | undefined> {
    let files: TreeFingerprint;
    try {
      files = JSON.parse(await fs.readFile(path.join(this.entry(key), 'files.json'), 'utf8')) as TreeFingerprint;
    } catch {
      return undefined;
    }
    await fs.mkdir(path.dirname(root), { recursive: true });
    try {
      if (!(await fs.lstat(path.join(this.entry(key), 'root'))).isDirectory()) return undefined;
      await fs.rename(path.join(this.entry(key), 'root'), root);
    } catch {
      return undefined;
    }
    await this.markUsed(key);
    return { key, root, files };
  }

  /**
   * Saves `root` under `key` without copying it: the entry is made now and its root stays lent to
   * the build that made it, which gives it back with `giveBack` when the stage is done (as if it
   * had borrowed it). For a stage thrown away after the build, this spares a copy of the whole
   * root on the way in and its deletion on the way out. Undefined when the entry exists already.
   */
  async lend(key: string, root: string, what: string): Promise<Borrowed | undefined> {
    const files = await this.record(key, what, async () => root);
    return files ? { key, root, files } : undefined;
  }

  /**
   * Puts a borrowed root back into its entry with what was added since removed, or drops the entry
   * when something it held was changed (a step wrote into node_modules). `gone`: the entry was
   * evicted or saved anew meanwhile, and the caller removes what it holds.
   */
  async giveBack(borrowed: Borrowed): Promise<'returned' | 'changed' | 'gone'> {
    const entry = this.entry(borrowed.key);
    if (!restoreToFingerprint(borrowed.root, borrowed.files)) {
      await removeTree(entry).catch(() => undefined);
      return 'changed';
    }
    try {
      await fs.rename(borrowed.root, path.join(entry, 'root'));
      return 'returned';
    } catch {
      return 'gone';
    }
  }

  private async markUsed(key: string): Promise<void> {
    const now = new Date();
    await fs.utimes(path.join(this.entry(key), 'meta.json'), now, now).catch(() => undefined);
  }

  /** Keeps a copy of `root` under `key`; a concurrent save of the same key wins harmlessly. */
  async save(key: string, root: string, what: string): Promise<void> {
    await this.record(key, what, async tmp => {
      await copyAll(root, path.join(tmp, 'root'));
      return path.join(tmp, 'root');
    });
  }

  /**
   * Makes the entry `key` (meta.json, files.json) from a temporary folder, once: `fill` puts the
   * root in it (save) or leaves it where it is (lend) and says where it is, to be described.
   * Returns that description, or undefined when the entry exists or a concurrent save won.
   */
  private async record(key: string, what: string, fill: (tmp: string) => Promise<string>): Promise<TreeFingerprint | undefined> {
    if (await this.has(key)) return undefined;
    await fs.mkdir(this.dir, { recursive: true });
    const tmp = await fs.mkdtemp(path.join(this.dir, `.tmp-${process.pid}-`));
    try {
      const root = await fill(tmp);
      const files = fingerprintTree(root);
      const meta: EntryMeta = { key, bytes: await diskBytes(root), what };
      await fs.writeFile(path.join(tmp, 'files.json'), JSON.stringify(files));
      await fs.writeFile(path.join(tmp, 'meta.json'), JSON.stringify(meta) + '\n');
      // An entry left without its root (a build that borrowed it died) is replaced.
      if (await fs.stat(path.join(this.entry(key), 'meta.json')).then(() => true, () => false)) await removeTree(this.entry(key));
      await fs.rename(tmp, this.entry(key));
      return files;
    } catch (err) {
      await removeTree(tmp).catch(() => undefined);
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw err;
      return undefined;
    }
  }

  /** Removes least recently used entries until the cache fits its bound. Returns how many went. */
  async evict(): Promise<number> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    const entries: Array<{ name: string; bytes: number; used: number }> = [];
    for (const name of names) {
      if (!/^[0-9a-f]{64}$/.test(name)) continue;
      const metaFile = path.join(this.dir, name, 'meta.json');
      const [text, stat] = await Promise.all([fs.readFile(metaFile, 'utf8').catch(() => undefined), fs.stat(metaFile).catch(() => undefined)]);
      if (!text || !stat) continue;
      entries.push({ name, bytes: (JSON.parse(text) as EntryMeta).bytes, used: stat.mtimeMs });
    }
    entries.sort((a, b) => a.used - b.used);
    let total = entries.reduce((n, e) => n + e.bytes, 0);
    let removed = 0;
    for (const e of entries) {
      if (total <= this.maxBytes) break;
      await removeTree(path.join(this.dir, e.name));
      total -= e.bytes;
      removed++;
    }
    return removed;
  }
}

/** `cp -a from/. to`: fast for node_modules-sized trees, links and modes kept. */
async function copyAll(from: string, to: string): Promise<void> {
  await fs.mkdir(to, { recursive: true });
  const r = await runProcess('cp', ['-a', `${from}/.`, to], { cwd: from, keepOutput: 4000 });
  if (r.code !== 0) throw new Error(`cp -a ${from} ${to} failed: ${r.output.trim()}`);
}

async function diskBytes(dir: string): Promise<number> {
  const r = await runProcess('du', ['-sk', dir], { cwd: dir, keepOutput: 1000 });
  const kb = Number(/^(\d+)/.exec(r.output)?.[1]);
  return Number.isFinite(kb) ? kb * 1024 : 0;
}
