import { promises as fs } from 'node:fs';

/**
 * Appends lines to a run's log without blocking the caller: lines queue up and go out in one
 * append per turn of the event loop, in order. `flush()` waits until everything queued is written.
 */
export class LogWriter {
  private queue: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private scheduled = false;
  private failed?: Error;

  constructor(private readonly file: string) {}

  write(line: string): void {
    this.queue.push(line.endsWith('\n') ? line : `${line}\n`);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  async flush(): Promise<void> {
    this.drain();
    await this.writing;
  }

  /** The first write error, if any (a full disk must not stop a deploy, but it is reported). */
  get error(): Error | undefined {
    return this.failed;
  }

  private drain(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const text = this.queue.join('');
    this.queue = [];
    this.writing = this.writing.then(() =>
      fs.appendFile(this.file, text).catch(err => {
        this.failed ??= err as Error;
      }),
    );
  }
}
