import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError, throwIfAborted } from '../../core/errors';
import { isProcessAlive } from './process';

export interface LockOptions {
  signal?: AbortSignal;
  /** Give up waiting after this long. */
  timeoutMs?: number;
  /** A lock this old is taken over even if its holder looks alive (a hung or reused pid). */
  staleMs?: number;
}

interface LockRecord {
  pid: number;
  token: string;
  at: number;
}

const POLL_MS = 25;

/**
 * Runs `fn` while holding an exclusive lock file, so two processes (or two calls in one
 * process) never init or start the same stage's server at once. A lock whose holder died
 * (crash, kill -9) is taken over.
 */
export async function withFileLock<T>(lockFile: string, what: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const token = await acquire(lockFile, what, options);
  try {
    return await fn();
  } finally {
    await release(lockFile, token);
  }
}

async function acquire(lockFile: string, what: string, options: LockOptions): Promise<string> {
  const token = randomUUID();
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const staleMs = options.staleMs ?? 10 * 60_000;
  const record: LockRecord = { pid: process.pid, token, at: Date.now() };
  await fs.mkdir(path.dirname(lockFile), { recursive: true });
  for (;;) {
    throwIfAborted(options.signal, what);
    try {
      await fs.writeFile(lockFile, JSON.stringify({ ...record, at: Date.now() }), { flag: 'wx', mode: 0o600 });
      return token;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        // The folder was removed under us (a destroy): make it again and retry.
        await fs.mkdir(path.dirname(lockFile), { recursive: true });
        continue;
      }
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readLock(lockFile);
    if (holder && (!isProcessAlive(holder.record.pid) || Date.now() - holder.record.at > staleMs)) {
      // Remove it only if it is still the very lock we judged stale.
      const again = await readLock(lockFile);
      if (again?.raw === holder.raw) await fs.unlink(lockFile).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) {
      throw new StagecraftError(`Timed out waiting for ${what}: process ${holder?.record.pid ?? '?'} holds ${lockFile}.`, {
        kind: 'unavailable',
        hint: 'Wait for the other Stagecraft command to finish; if none is running, delete the lock file.',
      });
    }
    await sleep(POLL_MS, options.signal);
  }
}

async function readLock(lockFile: string): Promise<{ raw: string; record: LockRecord } | undefined> {
  const raw = await fs.readFile(lockFile, 'utf8').catch(() => undefined);
  if (raw === undefined) return undefined;
  try {
    const record = JSON.parse(raw) as LockRecord;
    if (typeof record.pid === 'number' && typeof record.at === 'number') return { raw, record };
  } catch {
    /* being written right now: treat as held */
  }
  // An empty or torn file: judge it by its age alone.
  const st = await fs.stat(lockFile).catch(() => undefined);
  return st ? { raw, record: { pid: process.pid, token: '', at: st.mtimeMs } } : undefined;
}

async function release(lockFile: string, token: string): Promise<void> {
  const holder = await readLock(lockFile);
  if (holder?.record.token === token) await fs.unlink(lockFile).catch(() => undefined);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
