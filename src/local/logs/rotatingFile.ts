import * as fs from 'node:fs';
import * as path from 'node:path';

export interface RotatingFileOptions {
  /** Rotate before a write would make the file larger than this. Default 10 MiB. */
  maxBytes?: number;
  /** How many rotated files to keep (path.1 … path.keep). Default 5; 0 keeps none. */
  keep?: number;
  /** Called once per failure to write or rotate (disk full, folder removed); default: a process warning. */
  onError?: (err: Error) => void;
}

/**
 * An append-only line log that rotates by size: path → path.1 → … → path.keep.
 *
 * Writes are synchronous (one write(2) per line) so lines from one process are never reordered
 * and nothing is lost if the process dies right after. The size is counted in memory after one
 * fstat at open, so a write costs no stat. Rotation renames the full file away and then creates
 * a fresh one at `path`, so a reader following the file sees it replaced and can reopen it.
 */
export class RotatingFile {
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly onError: (err: Error) => void;
  private fd: number | undefined;
  private size = 0;
  private closed = false;
  private failing = false;

  constructor(readonly path: string, opts: RotatingFileOptions = {}) {
    this.maxBytes = Math.max(1, opts.maxBytes ?? 10 * 1024 * 1024);
    this.keep = Math.max(0, Math.floor(opts.keep ?? 5));
    this.onError = opts.onError ?? (err => process.emitWarning(`Log file ${path}: ${err.message}`));
    this.open();
  }

  /** Appends `line` and a newline. Never throws: a failing disk must not take the caller down. */
  write(line: string): void {
    if (this.closed) return;
    const data = Buffer.from(line + '\n', 'utf8');
    try {
      if (this.size > 0 && this.size + data.length > this.maxBytes) this.rotate();
      if (this.fd === undefined) this.open();
      fs.writeSync(this.fd!, data);
      this.size += data.length;
      this.failing = false;
    } catch (err) {
      this.report(err);
    }
  }

  close(): Promise<void> {
    this.closed = true;
    const fd = this.fd;
    this.fd = undefined;
    if (fd === undefined) return Promise.resolve();
    return new Promise(resolve => fs.close(fd, () => resolve()));
  }

  private open(): void {
    // Only on open and rotation, never per line; also brings back a folder removed under us.
    fs.mkdirSync(pathDir(this.path), { recursive: true });
    this.fd = fs.openSync(this.path, 'a');
    this.size = fs.fstatSync(this.fd).size;
  }

  private rotate(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    if (this.keep === 0) {
      fs.rmSync(this.path, { force: true });
    } else {
      for (let i = this.keep - 1; i >= 1; i--) renameIfPresent(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      renameIfPresent(this.path, `${this.path}.1`);
    }
    this.open();
  }

  private report(err: unknown): void {
    // Try to reopen on the next write (the folder may have been recreated).
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // Already unusable.
      }
      this.fd = undefined;
    }
    if (this.failing) return;
    this.failing = true;
    this.onError(err instanceof Error ? err : new Error(String(err)));
  }
}

function renameIfPresent(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function pathDir(file: string): string {
  return path.dirname(path.resolve(file));
}
