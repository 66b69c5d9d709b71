import * as fsCallback from 'node:fs';
import { closeSync, fstatSync, openSync, readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { promisify } from 'node:util';
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
const readFd = promisify(fsCallback.read);

/**
 * Reads a log file written by RotatingFile (rename `file` → `file.1`, then create a new `file`) and,
 * when following, everything appended to it, in batches of whole lines, in the order written.
 * Files are followed by identity (inode), never by name:
 * - every file that appears (the new `file`, and any rotated away before the reader looked) is
 *   opened at once, synchronously, from the folder watcher's callback as well as from the reader,
 *   so a file renamed or deleted by later rotations stays readable through the descriptor held;
 * - the file being read is read to its end before the reader moves to the next newer one;
 * - a file truncated in place (copytruncate) is read again from its start.
 * Nothing is lost as long as the process gets the event loop once per `keep` rotations of the
 * writer, however slowly the reading itself goes.
 */
export async function* tailFile(file: string, options: TailFileOptions): AsyncGenerator<FileLine[]> {
  const signal = options.signal;
  const follow = new Followed(file);
  const waker = new Waker(path.dirname(file), path.basename(file), options.follow ? (options.pollMs ?? 100) : 0, signal, () => follow.grab());
  try {
    // The current file is opened first: a rotation during the start then shows up as a rename
    // of what we hold, never as a file read twice or skipped.
    follow.start(options.fromEnd ?? false);
    if (options.rotatedSince !== undefined && !options.fromEnd) {
      const older = openRotated(file, options.rotatedSince, follow.current?.stale ? undefined : follow.current?.identity);
      try {
        for (const f of older) {
          const lines = await f.readAll();
          f.close();
          if (lines.length) yield lines;
          if (signal?.aborted) return;
        }
      } finally {
        for (const f of older) f.close();
      }
    }
    for (;;) {
      if (signal?.aborted) return;
      const current = follow.current;
      if (current && !current.stale) {
        const lines = await current.readAvailable(!options.follow);
        if (lines.length) yield lines;
      }
      if (!options.follow || signal?.aborted) return;
      follow.grab();
      if (follow.hasNewer()) {
        // A newer file exists, so the writer is done with this one: read it to its end, then move on.
        const rest = current && !current.stale ? await current.readAvailable(true) : [];
        follow.advance();
        if (rest.length) yield rest;
        continue;
      }
      follow.checkTruncated();
      await waker.wait();
    }
  } finally {
    waker.close();
    follow.close();
  }
}

/**
 * The file being read and, in order, the newer files already opened. `grab` is synchronous: it
 * looks at `file`, `file.1`, `file.2`, … in one go and keeps a descriptor on every file newer than
 * the ones it holds, so later renames and deletions cannot take them away.
 */
class Followed {
  current: OpenFile | undefined;
  private readonly newer: OpenFile[] = [];
  private started = false;

  constructor(private readonly file: string) {}

  start(fromEnd: boolean): void {
    this.started = true;
    this.current = OpenFile.open(this.file);
    if (this.current && fromEnd) this.current.pos = this.current.size;
    if (!this.current) {
      // No file yet: the newest rotated one (if any) marks where "new" begins; its lines are history.
      const older = OpenFile.open(`${this.file}.1`);
      if (older) {
        older.pos = older.size;
        older.stale = true;
        this.current = older;
      }
    }
  }

  hasNewer(): boolean {
    return this.newer.length > 0;
  }

  advance(): void {
    this.current?.close();
    this.current = this.newer.shift();
  }

  grab(): void {
    if (!this.started) return;
    try {
      this.grabNow();
    } catch {
      // A folder removed under us, or out of descriptors: the next look tries again.
    }
  }

  private grabNow(): void {
    const snapshot = stableSnapshot(this.file);
    // Files we hold stay open, so their inodes cannot be reused: identity is safe among them.
    const held = [this.current, ...this.newer].filter((f): f is OpenFile => f !== undefined).map(f => f.identity);
    let newestKnown = -1;
    snapshot.forEach((f, i) => {
      if (held.includes(f.identity)) newestKnown = i;
    });
    // None known (all we held was deleted by later rotations, or nothing was held): all are newer.
    const from = newestKnown + 1;
    snapshot.forEach((f, i) => {
      if (i >= from) this.newer.push(f);
      else f.close();
    });
  }

  /** A file truncated in place (copytruncate) is read again from its start. */
  checkTruncated(): void {
    const c = this.current;
    if (!c || c.stale) return;
    try {
      const st = statSync(this.file, { bigint: true });
      if (`${st.ino}.${st.birthtimeNs}` === c.identity && Number(st.size) < c.pos) c.truncated();
    } catch {
      // Rotated away and not created yet: keep what we hold.
    }
  }

  close(): void {
    this.current?.close();
    for (const f of this.newer.splice(0)) f.close();
  }
}

class OpenFile {
  pos = 0;
  /** A file whose lines are history (the newest rotated file when following began without a file). */
  stale = false;
  private partial: Buffer | undefined;
  private partialOffset = 0;
  private closed = false;

  private constructor(
    private readonly fd: number,
    /** Unique among the files of a folder over time: `<inode>.<birth time in ns>`. */
    readonly identity: string,
    readonly size: number,
    readonly mtimeMs: number,
  ) {}

  /** Opens synchronously (see Followed.grab); undefined when there is no such file. */
  static open(file: string): OpenFile | undefined {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const st = fstatSync(fd, { bigint: true });
      return new OpenFile(fd, `${st.ino}.${st.birthtimeNs}`, Number(st.size), Number(st.mtimeMs));
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  truncated(): void {
    this.pos = 0;
    this.partial = undefined;
  }

  /** Everything up to the current end; `flush` also returns a last line that has no newline yet. */
  async readAvailable(flush: boolean): Promise<FileLine[]> {
    const lines: FileLine[] = [];
    const buf = Buffer.allocUnsafe(CHUNK);
    while (!this.closed) {
      const { bytesRead } = await readFd(this.fd, buf, 0, CHUNK, this.pos);
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

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch {
      // Already closed.
    }
  }
}

function decode(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

/** Rotated files last written at or after `since`, oldest first, leaving out the file we already hold. */
function openRotated(file: string, since: number, skip: string | undefined): OpenFile[] {
  const found: OpenFile[] = [];
  for (let i = 1; i <= MAX_ROTATED; i++) {
    const f = OpenFile.open(`${file}.${i}`);
    if (!f) break;
    // Rotated files are in time order: once one ends before `since`, all older ones do too.
    if (f.mtimeMs < since) {
      f.close();
      break;
    }
    if (f.identity === skip) f.close();
    else found.push(f);
  }
  return found.reverse();
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
    /** Runs synchronously on every change in the folder, before the reader is woken. */
    private readonly onEvent: () => void = () => undefined,
  ) {
    if (pollMs > 0) this.startWatching();
  }

  private startWatching(): void {
    if (this.watcher || this.closed) return;
    try {
      this.watcher = watch(this.dir, { persistent: false }, (event, filename) => {
        if (!filename || String(filename).startsWith(this.name)) {
          // A rename is a rotation: grab the files before the next ones take their names.
          if (event === 'rename') this.onEvent();
          this.notify();
        }
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

/**
 * The files `file.N` … `file.1`, `file`, opened oldest first, as they stood at one moment. The names
 * are listed, then opened one by one: a writer in another process may rotate in between, and a
 * file that moves from a name not yet opened to one already opened would be missed (and it is newer
 * than what the reader holds: its lines would be lost). So the names are looked up again after the
 * opens; if any now points at another file, or the listing changed, the look is repeated. Renames
 * only ever move a file to a higher index, so an unchanged look means no rotation happened between
 * the first open and the check, and name order is age order. Creation times cannot order them:
 * Linux stamps files with a clock that ticks every few milliseconds, and a burst of rotations
 * creates several files within one tick.
 */
function stableSnapshot(file: string): OpenFile[] {
  for (let attempt = 0; ; attempt++) {
    const indexes = rotatedIndexes(file);
    const opened: { name: string; f: OpenFile }[] = [];
    for (const i of indexes) {
      const name = i === 0 ? file : `${file}.${i}`;
      const f = OpenFile.open(name);
      if (f) opened.push({ name, f });
    }
    const unchanged =
      sameIndexes(indexes, rotatedIndexes(file)) &&
      opened.length === indexes.length &&
      opened.every(({ name, f }) => identityAt(name) === f.identity);
    if (unchanged || attempt >= 20) {
      // After 20 moving looks (a writer rotating without pause), take the last one as it is.
      const snapshot: OpenFile[] = [];
      for (const { f } of opened) {
        if (snapshot.some(s => s.identity === f.identity)) f.close();
        else snapshot.push(f);
      }
      return snapshot;
    }
    for (const { f } of opened) f.close();
  }
}

function sameIndexes(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function identityAt(name: string): string | undefined {
  try {
    const st = statSync(name, { bigint: true });
    return `${st.ino}.${st.birthtimeNs}`;
  } catch {
    return undefined;
  }
}

/** The rotation indexes present beside `file` (0 is `file` itself), oldest (highest) first. */
function rotatedIndexes(file: string): number[] {
  const base = path.basename(file);
  const out: number[] = [];
  for (const name of readdirSync(path.dirname(file))) {
    if (name === base) out.push(0);
    else if (name.startsWith(`${base}.`) && /^[1-9]\d*$/.test(name.slice(base.length + 1))) {
      const i = Number(name.slice(base.length + 1));
      if (i <= MAX_ROTATED) out.push(i);
    }
  }
  return out.sort((a, b) => b - a);
}
