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

/** A file as the last commit has it (`HEAD:path`), or undefined when there is no commit or no such file. */
export async function readCommittedFile(top: string, file: string, signal?: AbortSignal): Promise<Buffer | undefined> {
  try {
    return await gitBytes(top, ['cat-file', 'blob', `HEAD:${file}`], { signal });
  } catch (err) {
    if (err instanceof GitError) return undefined;
    throw err;
  }
}

/** Names of the files at the top level of the last commit (empty before the first commit). */
export async function committedTopLevelNames(top: string, signal?: AbortSignal): Promise<string[]> {
  try {
    return splitNul(await gitBytes(top, ['ls-tree', '-z', '--name-only', 'HEAD'], { signal }));
  } catch (err) {
    if (err instanceof GitError) return [];
    throw err;
  }
}

/** A blob's bytes as a stream (`git cat-file blob`), for blobs too large to hold in memory. */
export async function* streamBlob(top: string, blob: string, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const child = spawn('git', ['cat-file', 'blob', blob], { cwd: top, stdio: ['ignore', 'pipe', 'pipe'], signal });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const closed = new Promise<number | null>(resolve => child.on('close', resolve));
  child.on('error', () => undefined);
  for await (const piece of child.stdout) yield piece as Buffer;
  const code = await closed;
  if (signal?.aborted) throw StagecraftError.cancelled('Reading staged files');
  if (code !== 0) throw new StagecraftError(`git cat-file blob ${blob} failed in ${top}: ${stderr.trim() || `exit ${code}`}`);
}

/** A file as the index has it (`:path`), or undefined when it is not in the index. */
export async function readStagedFile(top: string, file: string, signal?: AbortSignal): Promise<Buffer | undefined> {
  try {
    return await gitBytes(top, ['cat-file', 'blob', `:${file}`], { signal });
  } catch (err) {
    if (err instanceof GitError) return undefined;
    throw err;
  }
}
