import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runProcess } from '../../core/exec';

/** Removes write permission for everyone from a whole tree (chmod -R a-w); links are left alone. */
export async function makeReadOnly(dir: string): Promise<void> {
  // One process instead of two awaited calls per file: an artifact's node_modules has thousands.
  if (process.platform !== 'win32' && (await runProcess('chmod', ['-R', 'a-w', dir], { cwd: dir, keepOutput: 2000 }).then(r => r.code === 0, () => false))) return;
  await forEachEntry(dir, async abs => {
    const { mode } = await fs.lstat(abs);
    await fs.chmod(abs, mode & ~0o222 & 0o7777);
  });
}

/** Removes a tree even when it was made read-only (folders need write permission to lose entries). */
export async function removeTree(dir: string): Promise<void> {
  try {
    await fs.rm(dir, { recursive: true, force: true });
    return;
  } catch {
    // Read-only folders: give the owner write access, then retry.
  }
  await forEachEntry(dir, async (abs, isDir) => {
    if (isDir) await fs.chmod(abs, ((await fs.lstat(abs)).mode | 0o700) & 0o7777).catch(() => undefined);
  }, true);
  await fs.rm(dir, { recursive: true, force: true });
}

/** Visits every entry except symbolic links, `dir` included; folders after (or, with `foldersFirst`, before) their contents. */
async function forEachEntry(dir: string, visit: (abs: string, isDir: boolean) => Promise<void>, foldersFirst = false): Promise<void> {
  const stat = await fs.lstat(dir).catch(() => undefined);
  if (!stat || stat.isSymbolicLink()) return;
  if (!stat.isDirectory()) return visit(dir, false);
  if (foldersFirst) await visit(dir, true);
  for (const d of await fs.readdir(dir, { withFileTypes: true })) {
    const abs = path.join(dir, d.name);
    if (d.isDirectory()) await forEachEntry(abs, visit, foldersFirst);
    else if (!d.isSymbolicLink()) await visit(abs, false);
  }
  if (!foldersFirst) await visit(dir, true);
}
