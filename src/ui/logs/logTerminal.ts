import * as vscode from 'vscode';
import { toStagecraftError } from '../../core/errors';
import { paint, renderLine, type LogKind } from '../../core/logs';
import type { LogLine } from '../../core/provider';
import { redactor } from '../../core/redact';

/** Where the lines come from: started when the terminal opens, stopped through the signal. */
export type LogSource = (signal: AbortSignal, notice: (message: string) => void) => AsyncIterator<LogLine>;

export interface LogTerminalOptions {
  /** The terminal tab's name, e.g. "Logs: dev (app)". */
  name: string;
  kind: LogKind;
  /** The first line: what is shown (stage, log, since, filter). */
  header: string;
  follow: boolean;
}

/**
 * A log tail as a Pseudoterminal in the terminal panel. Lines are rendered with ANSI colours
 * (levels, HTTP status classes), written in batches per turn of the event loop, and the stream is
 * aborted, with every API call it makes, when the terminal is closed. Ctrl+C stops following but
 * keeps what was shown.
 */
export class LogTerminal implements vscode.Pseudoterminal, vscode.Disposable {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<void>();
  private readonly linesEmitter = new vscode.EventEmitter<LogLine[]>();
  private readonly endedEmitter = new vscode.EventEmitter<'ended' | 'stopped' | 'failed'>();
  private readonly controller = new AbortController();
  private queue: string[] = [];
  private flushScheduled = false;
  private opened = false;
  private shown = 0;
  terminal: vscode.Terminal | undefined;

  /** Everything written to the terminal (ANSI included), as the terminal receives it. */
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  /** The log lines as they are shown (for tests and other views). */
  readonly onDidShowLines = this.linesEmitter.event;
  /** The stream ended: the log was read to its end, the user stopped it, or it failed. */
  readonly onDidEnd = this.endedEmitter.event;

  constructor(
    readonly options: LogTerminalOptions,
    private readonly source: LogSource,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** How many log lines were shown so far. */
  get lineCount(): number {
    return this.shown;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * Starts reading before the terminal is shown, so a stream that fails at once (no provider, a
   * bad filter, no log yet) is reported as the command's error instead of in an orphan terminal.
   * Resolves at the first line, after `graceMs`, or when the stream ends; rejects if it failed first.
   */
  start(graceMs = 300): Promise<void> {
    if (this.started) return this.started;
    this.queue.unshift(paint('dim', this.options.header));
    this.started = new Promise<void>((resolve, reject) => {
      this.settleStart = (err?: unknown) => {
        this.settleStart = undefined;
        clearTimeout(timer);
        if (err === undefined) resolve();
        else reject(err);
      };
      const timer = setTimeout(() => this.settleStart?.(), graceMs);
    });
    void this.pump();
    return this.started;
  }

  open(): void {
    this.opened = true;
    if (!this.started) void this.start();
    this.flush();
  }

  close(): void {
    // The user closed the terminal: end the stream and its API calls.
    this.controller.abort();
    this.dispose();
  }

  handleInput(data: string): void {
    if (data === '\x03' && !this.controller.signal.aborted) {
      this.controller.abort();
      this.write(paint('dim', '— stopped (Ctrl+C); close the terminal to dismiss it —'));
    }
  }

  /** Stops the stream and closes the terminal tab. */
  dispose(): void {
    this.controller.abort();
    if (this.terminal) {
      const t = this.terminal;
      this.terminal = undefined;
      t.dispose();
    }
    this.closeEmitter.fire();
  }

  private async pump(): Promise<void> {
    const signal = this.controller.signal;
    let iterator: AsyncIterator<LogLine> | undefined;
    try {
      iterator = this.source(signal, message => this.write(paint('yellow', `— ${redactor.redact(message)} —`)));
      for (;;) {
        const next = await iterator.next();
        if (next.done || signal.aborted) break;
        this.showLine(next.value);
        this.settleStart?.();
      }
      this.settleStart?.();
      if (signal.aborted) {
        this.endedEmitter.fire('stopped');
      } else {
        this.write(paint('dim', this.options.follow ? '— the log stream ended —' : `— end of log: ${this.shown} line${this.shown === 1 ? '' : 's'} —`));
        this.endedEmitter.fire('ended');
      }
    } catch (err) {
      const e = toStagecraftError(err);
      if (e.cancelled || signal.aborted) {
        this.settleStart?.();
        this.endedEmitter.fire('stopped');
        return;
      }
      if (this.settleStart) {
        // Failed before anything was shown: the command reports it; the terminal never opens.
        this.settleStart(e);
        this.endedEmitter.fire('failed');
        return;
      }
      this.write(paint('red', redactor.redact(e.message)));
      if (e.hint) this.write(redactor.redact(e.hint));
      this.onError(e);
      this.endedEmitter.fire('failed');
    } finally {
      if (signal.aborted) void Promise.resolve(iterator?.return?.()).catch(() => undefined);
    }
  }

  private pendingLines: LogLine[] = [];
  private started: Promise<void> | undefined;
  private settleStart: ((err?: unknown) => void) | undefined;

  private showLine(line: LogLine): void {
    // Deployment markers and summaries are shown between the lines but are not lines of the log.
    if (!line.marker) this.shown++;
    this.pendingLines.push(line);
    this.write(renderLine(line, { kind: this.options.kind, colour: true }));
  }

  /** Queues one line; lines queued in the same turn go to the terminal as one write. */
  private write(text: string): void {
    this.queue.push(text);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    // A Pseudoterminal drops what is written before open(): keep it until then.
    if (!this.opened || this.queue.length === 0) return;
    const data = this.queue.join('\r\n') + '\r\n';
    this.queue = [];
    this.writeEmitter.fire(data);
    if (this.pendingLines.length) {
      const lines = this.pendingLines;
      this.pendingLines = [];
      this.linesEmitter.fire(lines);
    }
  }
}
