import { watch, promises as fs, type FSWatcher } from 'node:fs';
import * as path from 'node:path';

/** One complete line of a log file and where it was read (the id of a line survives rotation). */
export interface FileLine {
  text: string;
  /** The file it was read from (inode and birth time: inodes are reused) and the byte offset of its first byte there. */
  file: string;
  offset: number;
}

export interface TailFileOptions {
  /** Keep reading what is appended, across rotation, until the signal fires. */
  follow: boolean;
  signal?: AbortSignal;
  /**
   * Also read the rotated files (`file.1`, `file.2`, …) last written at or after this epoch ms,
   * oldest first, before the current file. Undefined: the current file only.
   */
  rotatedSince?: number;
  /** Start at the current end of the file instead of its beginning (follow only new lines). */
  fromEnd?: boolean;
  /** The safety-net poll when no file-system event arrives (fs.watch missing, network disks). */
  pollMs?: number;
}

const CHUNK = 64 * 1024;
const MAX_ROTATED = 1000;

/**
 * Reads a log file written by RotatingFile (rename `file` → `file.1`, then create a new `file`) and,
 * when following, everything appended to it, in batches of whole lines, in the order written:
 * - the open handle keeps reading the renamed file until its end, so nothing written just before a
 *   rotation is lost;
 * - files rotated in between two looks (two rotations in one poll) are found by inode and read too;
 * - a file truncated in place (copytruncate) is read again from its start.
 * Changes are noticed through fs.watch on the folder, with a poll as a safety net.
 */
export async function* tailFile(file: string, options: TailFileOptions): AsyncGenerator<FileLine[]> {
  const signal = options.signal;
  const waker = new Waker(path.dirname(file), path.basename(file), options.follow ? (options.pollMs ?? 100) : 0, signal);
  let current: OpenFile | undefined;
  try {
    // The current file is opened first: a rotation during the start then shows up as a rename
    // of what we hold, never as a file read twice or skipped.
    current = await OpenFile.open(file);
    if (current && options.fromEnd) current.pos = current.size;
    if (options.rotatedSince !== undefined && !options.fromEnd) {
      const older = await openRotated(file, options.rotatedSince, current?.ino);
      try {
        for (const f of older) {
          const lines = await f.readAll();
          await f.close();
          if (lines.length) yield lines;
          if (signal?.aborted) return;
        }
      } finally {
        await closeAll(older);
      }
    }
    for (;;) {
      if (signal?.aborted) return;
      if (current) {
        const lines = await current.readAvailable(!options.follow);
        if (lines.length) yield lines;
      }
      if (!options.follow || signal?.aborted) return;
      const next = await checkReplaced(file, current);
      if (next !== current) {
        const old = current;
        current = next; // from here the new file is the one `finally` closes
        if (old) {
          try {
            // Finish the renamed file, then any file that was rotated away before we looked.
            const rest = await old.readAvailable(true);
            const between = await openRotatedNewerThan(file, old.ino, next?.ino);
            try {
              if (rest.length) yield rest;
              for (const f of between) {
                const lines = await f.readAll();
                await f.close();
                if (lines.length) yield lines;
              }
            } finally {
              await closeAll(between);
            }
          } finally {
            await old.close();
          }
        }
        continue;
      }
      await waker.wait();
    }
  } finally {
    waker.close();
    await current?.close();
  }
}

/** Whether `file` is still the file we hold: returns the same handle, or the new file opened. */
async function checkReplaced(file: string, current: OpenFile | undefined): Promise<OpenFile | undefined> {
  const st = await fs.stat(file).catch(() => undefined);
  if (!st) return current; // rotated away and not created yet (or never existed): keep what we hold
  if (current && Number(st.ino) === current.ino) {
    if (st.size < current.pos) current.truncated();
    return current;
  }
  const opened = await OpenFile.open(file);
  return opened ?? current;
}

class OpenFile {
  pos = 0;
  private partial: Buffer | undefined;
  private partialOffset = 0;

  private constructor(
    private readonly handle: fs.FileHandle,
    readonly ino: number,
    /** Unique among the files of a folder over time: `<inode>.<birth time in ns>`. */
    readonly identity: string,
    readonly size: number,
    readonly mtimeMs: number,
  ) {}

  static async open(file: string): Promise<OpenFile | undefined> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const st = await handle.stat({ bigint: true }).catch(async err => {
      await handle.close().catch(() => undefined);
      throw err;
    });
    return new OpenFile(handle, Number(st.ino), `${st.ino}.${st.birthtimeNs}`, Number(st.size), Number(st.mtimeMs));
  }

  truncated(): void {
    this.pos = 0;
    this.partial = undefined;
  }

  /** Everything up to the current end; `flush` also returns a last line that has no newline yet. */
  async readAvailable(flush: boolean): Promise<FileLine[]> {
    const lines: FileLine[] = [];
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await this.handle.read(buf, 0, CHUNK, this.pos);
      if (bytesRead === 0) break;
      this.split(buf.subarray(0, bytesRead), lines);
      this.pos += bytesRead;
    }
    if (flush && this.partial) {
      lines.push({ text: decode(this.partial), file: this.identity, offset: this.partialOffset });
      this.partial = undefined;
    }
    return lines;
  }

  readAll(): Promise<FileLine[]> {
    return this.readAvailable(true);
  }

  private split(chunk: Buffer, out: FileLine[]): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      if (this.partial) {
        out.push({ text: decode(Buffer.concat([this.partial, piece])), file: this.identity, offset: this.partialOffset });
        this.partial = undefined;
      } else {
        out.push({ text: decode(piece), file: this.identity, offset: this.pos + start });
      }
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = Buffer.from(chunk.subarray(start));
      if (this.partial) this.partial = Buffer.concat([this.partial, rest]);
      else {
        this.partial = rest;
        this.partialOffset = this.pos + start;
      }
    }
  }

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close().catch(() => undefined);
  }
}

async function closeAll(files: OpenFile[]): Promise<void> {
  await Promise.all(files.map(f => f.close()));
}

function decode(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

/** Rotated files last written at or after `since`, oldest first, leaving out the file we already hold. */
async function openRotated(file: string, since: number, skipIno: number | undefined): Promise<OpenFile[]> {
  const found: OpenFile[] = [];
  for (let i = 1; i <= MAX_ROTATED; i++) {
    const f = await OpenFile.open(`${file}.${i}`);
    if (!f) break;
    // Rotated files are in time order: once one ends before `since`, all older ones do too.
    if (f.mtimeMs < since) {
      await f.close();
      break;
    }
    if (f.ino === skipIno) await f.close();
    else found.push(f);
  }
  return found.reverse();
}

/**
 * The rotated files newer than the one we held (`heldIno`), oldest first: after two rotations
 * between looks, `file.1` is a file we never saw and ours is `file.2`.
 */
async function openRotatedNewerThan(file: string, heldIno: number, currentIno: number | undefined): Promise<OpenFile[]> {
  const newer: OpenFile[] = [];
  for (let i = 1; i <= MAX_ROTATED; i++) {
    const f = await OpenFile.open(`${file}.${i}`);
    if (!f) break;
    if (f.ino === heldIno) {
      await f.close();
      return newer.reverse();
    }
    if (f.ino === currentIno) await f.close();
    else newer.push(f);
  }
  // Ours was deleted (keep: 0) or is out of reach: the others cannot be placed in order.
  await Promise.all(newer.map(f => f.close()));
  return [];
}

/**
 * Wakes the reader when something in the folder changes, when the poll interval passes, or when the
 * signal fires. Watching the folder (not the file) sees renames and the new file of a rotation.
 */
class Waker {
  private watcher: FSWatcher | undefined;
  private wake: (() => void) | undefined;
  private pending = false;
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly name: string,
    private readonly pollMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    if (pollMs > 0) this.startWatching();
  }

  private startWatching(): void {
    if (this.watcher || this.closed) return;
    try {
      this.watcher = watch(this.dir, { persistent: false }, (_event, filename) => {
        if (!filename || String(filename).startsWith(this.name)) this.notify();
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      // The folder does not exist yet, or no inotify: the poll covers it; retried on each wait.
    }
  }

  private notify(): void {
    if (this.wake) this.wake();
    else this.pending = true;
  }

  wait(): Promise<void> {
    if (this.pending || this.signal?.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    this.startWatching();
    return new Promise(resolve => {
      const done = () => {
        clearTimeout(timer);
        this.signal?.removeEventListener('abort', done);
        this.wake = undefined;
        this.pending = false;
        resolve();
      };
      const timer = setTimeout(done, this.pollMs);
      this.signal?.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    this.wake?.();
  }
}
