import { spawn } from 'node:child_process';
import { StagecraftError } from '../core/errors';
import { gitBytes, gitText, GitError, splitNul } from './plumbing';

/** A file as it stands in the index (what the next commit will contain). */
export interface StagedFile {
  /** Path relative to the repository's top level, `/`-separated. */
  path: string;
  /** Blob id of the staged content. */
  blob: string;
}

/** The repository's top-level folder, or undefined when `dir` is not inside a work tree. */
export async function repositoryRoot(dir: string, signal?: AbortSignal): Promise<string | undefined> {
  try {
    return (await gitText(dir, ['rev-parse', '--show-toplevel'], signal)).trim() || undefined;
  } catch (err) {
    if (err instanceof GitError) return undefined;
    throw err;
  }
}

/**
 * Files the next commit adds or changes, with their staged blob ids: one `git diff-index
 * --cached` against HEAD (or the empty tree before the first commit). Symlinks and submodules
 * are left out; deletions have no content to scan.
 */
export async function listStagedChanges(top: string, options: { signal?: AbortSignal; pathspecs?: string[] } = {}): Promise<StagedFile[]> {
  const base = await headOrEmptyTree(top, options.signal);
  const args = ['-c', 'core.quotePath=false', 'diff-index', '--cached', '-z', '--no-renames', '--diff-filter=ACMT', base];
  if (options.pathspecs && options.pathspecs.length > 0) args.push('--', ...options.pathspecs);
  const parts = splitNul(await gitBytes(top, args, { signal: options.signal }));
  const files: StagedFile[] = [];
  // Raw records come as ":<old mode> <new mode> <old id> <new id> <status>" then the path.
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const [, newMode, , newId] = parts[i].slice(1).split(' ');
    if (newMode === '120000' || newMode === '160000') continue;
    files.push({ path: parts[i + 1], blob: newId });
  }
  return files;
}

async function headOrEmptyTree(top: string, signal?: AbortSignal): Promise<string> {
  try {
    return (await gitText(top, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], signal)).trim();
  } catch (err) {
    if (!(err instanceof GitError)) throw err;
    // No commit yet: compare with the empty tree (its id depends on the repository's hash).
    return (await gitText(top, ['hash-object', '-t', 'tree', '--stdin'], signal).catch(() => '')).trim() || emptyTreeFallback;
  }
}
const emptyTreeFallback = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

export interface BlobContent {
  blob: string;
  size: number;
  /** Undefined when the blob was larger than `maxBytes` (its bytes are skipped, not kept). */
  content?: Buffer;
}

/**
 * Reads many blobs through one `git cat-file --batch` process, calling `onBlob` in the order
 * asked. One process for a thousand files instead of a thousand processes.
 */
export function readBlobs(top: string, blobs: string[], onBlob: (b: BlobContent) => void, options: { signal?: AbortSignal; maxBytes?: number } = {}): Promise<void> {
  if (blobs.length === 0) return Promise.resolve();
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: top, stdio: ['pipe', 'pipe', 'pipe'], signal: options.signal });
    let pending: Buffer = Buffer.alloc(0);
    let current: { blob: string; size: number; chunks: Buffer[] | undefined; remaining: number } | undefined;
    let failed: Error | undefined;
    let stderr = '';
    const fail = (e: Error) => {
      failed ??= e;
      child.kill();
    };

    const pump = () => {
      for (;;) {
        if (!current) {
          const nl = pending.indexOf(10);
          if (nl < 0) return;
          const header = pending.subarray(0, nl).toString('utf8');
          pending = pending.subarray(nl + 1);
          const [id, type, sizeText] = header.split(' ');
          if (type === 'missing' || type === undefined) return fail(new StagecraftError(`git cat-file: object ${id} is missing from the repository.`));
          const size = Number(sizeText);
          // +1 for the newline git writes after each object.
          current = { blob: id, size, chunks: size <= maxBytes ? [] : undefined, remaining: size + 1 };
        }
        if (pending.length === 0) return;
        const take = Math.min(current.remaining, pending.length);
        const part = pending.subarray(0, take);
        pending = pending.subarray(take);
        current.remaining -= take;
        if (current.chunks) current.chunks.push(part);
        if (current.remaining > 0) return;
        const done = current;
        current = undefined;
        try {
          onBlob({ blob: done.blob, size: done.size, content: done.chunks ? Buffer.concat(done.chunks).subarray(0, done.size) : undefined });
        } catch (e) {
          return fail(e as Error);
        }
      }
    };

    child.stdout.on('data', (b: Buffer) => {
      pending = pending.length === 0 ? b : Buffer.concat([pending, b]);
      pump();
    });
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.on('error', e => {
      if (options.signal?.aborted) reject(StagecraftError.cancelled('Reading staged files'));
      else reject(new StagecraftError(`Could not run git cat-file: ${e.message}`, { cause: e }));
    });
    child.on('close', code => {
      if (options.signal?.aborted) reject(StagecraftError.cancelled('Reading staged files'));
      else if (failed) reject(failed);
      else if (code !== 0) reject(new StagecraftError(`git cat-file --batch failed in ${top}: ${stderr.trim() || `exit ${code}`}`));
      else resolve();
    });
    child.stdin.on('error', () => {
      // git exited early (reported through 'close').
    });
    child.stdin.end(blobs.join('\n') + '\n');
  });
}
