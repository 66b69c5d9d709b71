import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StagecraftError } from './errors';

/**
 * An exclusive lease on a file path, shared by every process on this machine (CLI, extension,
 * daemon). The lease file is written whole to a private temp file and then hard-linked into
 * place: link() fails atomically when the lease exists, so nobody ever reads half a record.
 * A lease whose holder is gone (its pid is dead, or now belongs to another process: the start
 * time differs) is stale and taken over.
 */
export interface LeaseHolder {
  pid: number;
  /** Linux: the process's start time in clock ticks since boot (tells a recycled pid apart). */
  startTicks?: number;
  host: string;
  /** What the holder is doing, for people: "deploying dev", "editing stagecraft.yaml". */
  action: string;
  /** The pipeline run holding it, when one does. */
  runId?: string;
  since: string;
  token: string;
}

export interface LeaseOptions {
  /** false: fail at once with LeaseBusy instead of waiting (`--no-wait`). Default true. */
  wait?: boolean;
  signal?: AbortSignal;
  /** Called once when the lease is held by someone else and we start waiting (and again if the holder changes). */
  onWait?: (holder: LeaseHolder, message: string) => void;
  /** Give up waiting after this long (default: never). */
  timeoutMs?: number;
  pollMs?: number;
}

export interface Lease {
  readonly file: string;
  readonly holder: LeaseHolder;
  /** Removes the lease if it is still ours; safe to call twice. */
  release(): Promise<void>;
}

/** The lease is held and the caller asked not to wait (or waited too long). */
export class LeaseBusy extends StagecraftError {
  constructor(
    readonly holder: LeaseHolder,
    message: string,
    hint?: string,
  ) {
    super(message, { kind: 'unavailable', hint });
  }
}

const DEFAULT_POLL_MS = 50;

export async function acquireLease(file: string, what: { action: string; runId?: string }, options: LeaseOptions = {}): Promise<Lease> {
  const holder: LeaseHolder = {
    pid: process.pid,
    startTicks: await startTicksOf(process.pid),
    host: os.hostname(),
    action: what.action,
    ...(what.runId ? { runId: what.runId } : {}),
    since: new Date().toISOString(),
    token: randomUUID(),
  };
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  let announced: string | undefined;
  for (;;) {
    if (options.signal?.aborted) throw StagecraftError.cancelled(`Waiting for ${what.action}`);
    if (await tryCreate(file, holder)) return lease(file, holder);
    const current = await readLease(file);
    if (!current) continue; // released (or unreadable and removed) meanwhile: try again at once
    if (await isStale(current)) {
      await takeOver(file, current);
      continue;
    }
    const message = `waiting for ${describeHolder(current)}`;
    if (options.wait === false || Date.now() >= deadline) {
      throw new LeaseBusy(current, `Busy: ${describeHolder(current)}.`, options.wait === false ? 'Try again when it has finished, or leave out --no-wait to wait for it.' : undefined);
    }
    if (announced !== current.token) {
      announced = current.token;
      options.onWait?.(current, message);
    }
    await sleep(options.pollMs ?? DEFAULT_POLL_MS, options.signal);
  }
}

/** Runs `fn` while holding the lease on `file`. */
export async function withLease<T>(file: string, what: { action: string; runId?: string }, fn: () => Promise<T>, options?: LeaseOptions): Promise<T> {
  const held = await acquireLease(file, what, options);
  try {
    return await fn();
  } finally {
    await held.release();
  }
}

/** Who holds the lease now (stale or not), or undefined when nobody does. */
export async function readLease(file: string): Promise<LeaseHolder | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as LeaseHolder;
    if (typeof parsed.pid === 'number' && typeof parsed.token === 'string') return parsed;
  } catch {
    // Fall through: written by something else, or damaged.
  }
  // Not ours to read: a lease we cannot attribute is treated as held by a dead process.
  return { pid: 0, host: os.hostname(), action: 'unknown', since: new Date(0).toISOString(), token: `unreadable:${text.length}:${text.slice(0, 40)}` };
}

/** "run 20260101-abc (deploying dev since 12:03)" / "pid 123 (editing stagecraft.yaml since 12:03)". */
export function describeHolder(holder: LeaseHolder): string {
  const who = holder.runId ? `run ${holder.runId}` : `pid ${holder.pid}${holder.host !== os.hostname() ? ` on ${holder.host}` : ''}`;
  const at = new Date(holder.since);
  const hhmm = `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
  return `${who} (${holder.action} since ${hhmm})`;
}

/** A holder on this machine whose process is gone (or is another process with the same pid). */
export async function isStale(holder: LeaseHolder): Promise<boolean> {
  if (holder.host !== os.hostname()) return false; // a shared folder: we cannot see that machine's processes
  if (!holder.pid || !isAlive(holder.pid)) return true;
  if (holder.startTicks === undefined) return false;
  const ticks = await startTicksOf(holder.pid);
  return ticks !== undefined && ticks !== holder.startTicks;
}

async function tryCreate(file: string, holder: LeaseHolder): Promise<boolean> {
  const tmp = `${file}.${holder.token}.tmp`;
  try {
    await fs.writeFile(tmp, JSON.stringify(holder), { mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    // Default mode: the state folder may be made here first, and others (PostgreSQL's user) must enter it.
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(tmp, JSON.stringify(holder), { mode: 0o600 });
  }
  try {
    await fs.link(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/**
 * Removes a stale lease. Moved aside first and checked: when two waiters judge the same lease
 * stale, the second one's move takes the first one's fresh lease, sees it is not the stale one,
 * and puts it back.
 */
async function takeOver(file: string, stale: LeaseHolder): Promise<void> {
  const aside = `${file}.${randomUUID()}.stale`;
  try {
    await fs.rename(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = await readLease(aside);
  if (moved && moved.token !== stale.token) await fs.link(aside, file).catch(() => undefined);
  await fs.rm(aside, { force: true });
}

function lease(file: string, holder: LeaseHolder): Lease {
  let released = false;
  return {
    file,
    holder,
    async release() {
      if (released) return;
      released = true;
      const current = await readLease(file).catch(() => undefined);
      if (current?.token === holder.token) await fs.rm(file, { force: true });
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/<pid>/stat (Linux); undefined elsewhere or when unreadable. */
async function startTicksOf(pid: number): Promise<number | undefined> {
  if (process.platform !== 'linux') return undefined;
  try {
    const text = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // A zombie still has a pid but no longer holds anything.
    if (fields[0] === 'Z') return -1;
    return Number(fields[19]);
  } catch {
    return undefined;
  }
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
