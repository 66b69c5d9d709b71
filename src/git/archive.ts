import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError } from '../core/errors';

/**
 * Writes the tree of `commit` (the part under `subdir`, for a stack inside a monorepo) into
 * `dest`, exactly as committed: the pipeline builds what the commit says, not the working tree.
 * Reuses `dest` when a previous export of the same commit finished.
 */
export async function exportCommit(repoRoot: string, commit: string, subdir: string, dest: string, signal?: AbortSignal): Promise<string> {
  const done = path.join(dest, '.stagecraft-export-complete');
  if (await fs.stat(done).then(() => true, () => false)) return dest;
  const tmp = `${dest}.tmp-${process.pid}`;
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.mkdir(tmp, { recursive: true });
  const treeish = subdir && subdir !== '.' ? `${commit}:${subdir.split(path.sep).join('/')}` : commit;
  await new Promise<void>((resolve, reject) => {
    const archive = spawn('git', ['archive', '--format=tar', treeish], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], signal });
    const untar = spawn('tar', ['-x', '-C', tmp], { stdio: ['pipe', 'ignore', 'pipe'], signal });
    let errors = '';
    archive.stderr.on('data', d => (errors += d));
    untar.stderr.on('data', d => (errors += d));
    archive.stdout.pipe(untar.stdin);
    let pending = 2;
    const finish = (what: string) => (code: number | null) => {
      if (code !== 0) {
        reject(signal?.aborted ? StagecraftError.cancelled('Exporting the commit') : new StagecraftError(`Could not export commit ${commit.slice(0, 8)} (${what} exited ${code}): ${errors.trim()}`));
        return;
      }
      if (--pending === 0) resolve();
    };
    archive.on('error', reject);
    untar.on('error', reject);
    archive.on('close', finish('git archive'));
    untar.on('close', finish('tar'));
  }).catch(async err => {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  });
  await fs.writeFile(path.join(tmp, '.stagecraft-export-complete'), commit);
  await placeExport(tmp, dest, done);
  return dest;
}

/**
 * Moves a finished export into place without ever removing a complete one: another process (a
 * concurrent run of the same commit) may already be building from it. A rename onto a folder that
 * holds files fails; then the complete one stays, or a half-written one left by a crash is moved
 * aside and replaced.
 */
async function placeExport(tmp: string, dest: string, done: string): Promise<void> {
  const complete = () => fs.stat(done).then(() => true, () => false);
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.rename(tmp, dest);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || attempt > 0) {
        await fs.rm(tmp, { recursive: true, force: true });
        if (await complete()) return;
        throw err;
      }
      if (await complete()) {
        await fs.rm(tmp, { recursive: true, force: true });
        return;
      }
      const stale = `${dest}.stale-${process.pid}`;
      await fs.rename(dest, stale).catch(() => undefined);
      await fs.rm(stale, { recursive: true, force: true });
    }
  }
}

/** The repository's top folder, and where `dir` sits inside it. */
export async function repoLocation(dir: string): Promise<{ top: string; subdir: string }> {
  const top = await new Promise<string>((resolve, reject) => {
    const child = spawn('git', ['rev-parse', '--show-toplevel'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', d => (out += d));
    child.on('error', reject);
    child.on('close', code =>
      code === 0 ? resolve(out.trim()) : reject(new StagecraftError(`${dir} is not inside a git repository.`, { kind: 'input', hint: 'The pipeline releases commits: run `git init` and commit first.' })),
    );
  });
  const realDir = await fs.realpath(dir);
  const realTop = await fs.realpath(top);
  return { top: realTop, subdir: path.relative(realTop, realDir) || '.' };
}
