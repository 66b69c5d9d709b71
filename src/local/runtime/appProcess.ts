import { spawn, type ChildProcess } from 'node:child_process';
import type { AppLogStream } from './appLogFormat';
import { groupMembers, startTicksOf } from './procinfo';

export interface AppExit {
  code: number | null;
  signal: string | null;
  at: string;
}

export interface AppLaunch {
  cwd: string;
  command: string[];
  env: Record<string, string>;
  /** Lines the process writes on fd 3 (the network bridge's messages, see netnsBridge.ts). */
  control?: (line: string) => void;
}

const TAIL_LINES = 40;
const MAX_LINE = 16 * 1024;

/**
 * One running version of the app: a detached process group (so stopping it ends whatever it
 * started), its output split into lines for the log, and the last lines kept for error messages.
 */
export class AppProcess {
  readonly pid: number;
  readonly startedAt = new Date().toISOString();
  /** Set once the process has exited; `exited` resolves at the same moment. */
  exit?: AppExit;
  /** Why the process could not be started at all (command not found, …). */
  spawnError?: string;
  readonly exited: Promise<AppExit>;
  private readonly child: ChildProcess;
  private readonly tail: string[] = [];
  private stopRequested = false;
  /** Called when the process exits without stop() having been asked for. */
  onUnexpectedExit?: (exit: AppExit) => void;

  constructor(
    launch: AppLaunch,
    private readonly log: (stream: AppLogStream, text: string) => void,
  ) {
    const [file, ...args] = launch.command;
    const stdio: Array<'ignore' | 'pipe'> = launch.control ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'];
    this.child = spawn(file, args, { cwd: launch.cwd, env: launch.env, stdio, detached: true });
    this.pid = this.child.pid ?? 0;
    if (launch.control) readLines(this.child.stdio[3] as NodeJS.ReadableStream | null, launch.control);
    this.pipe(this.child.stdout, 'stdout');
    this.pipe(this.child.stderr, 'stderr');
    this.exited = new Promise(resolve => {
      const finish = (code: number | null, signal: string | null) => {
        if (this.exit) return;
        this.exit = { code, signal, at: new Date().toISOString() };
        resolve(this.exit);
        if (!this.stopRequested) this.onUnexpectedExit?.(this.exit);
      };
      this.child.once('exit', (code, signal) => finish(code, signal));
      this.child.once('error', err => {
        this.spawnError = err.message;
        this.note(`could not start "${file}": ${err.message}`);
        finish(null, null);
      });
    });
  }

  /** A line to the process on fd 3 (launched with `control`). */
  send(line: string): void {
    const channel = this.child.stdio[3] as NodeJS.WritableStream | null | undefined;
    if (channel && 'write' in channel) channel.write(line + '\n');
  }

  get alive(): boolean {
    return this.exit === undefined && this.pid !== 0;
  }

  /** Start time in clock ticks (Linux), recorded so a later daemon never signals a recycled pid. */
  startTicks(): Promise<number | undefined> {
    return this.pid ? startTicksOf(this.pid) : Promise.resolve(undefined);
  }

  lastLines(count = 20): string[] {
    return this.tail.slice(-count);
  }

  /** The runtime's own remark about this process, logged and kept with its output. */
  note(text: string): void {
    this.remember(`[stagecraft] ${text}`);
    this.log('stagecraft', text);
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the process has exited. */
  async stop(graceMs: number): Promise<AppExit> {
    this.stopRequested = true;
    if (this.alive) {
      signalGroup(this.pid, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(this.pid, 'SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    await killLeftovers(this.pid);
    return this.exit ?? (await this.exited);
  }

  /** After an unexpected exit: end anything the app left behind in its group. */
  async reapGroup(): Promise<void> {
    await killLeftovers(this.pid);
  }

  private pipe(source: NodeJS.ReadableStream | null, stream: 'stdout' | 'stderr'): void {
    let partial = '';
    source?.setEncoding('utf8');
    source?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split(/\r?\n/);
      partial = lines.pop() ?? '';
      if (partial.length > MAX_LINE) {
        lines.push(partial);
        partial = '';
      }
      for (const line of lines) this.emit(line, stream);
    });
    source?.on('end', () => {
      if (partial) this.emit(partial, stream);
      partial = '';
    });
    // A closed pipe is not our error to crash on.
    source?.on('error', () => undefined);
  }

  private emit(line: string, stream: 'stdout' | 'stderr'): void {
    const text = line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line;
    this.remember(text);
    this.log(stream, text);
  }

  private remember(line: string): void {
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
  }
}

function readLines(source: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  let partial = '';
  source?.setEncoding('utf8');
  source?.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line) onLine(line);
  });
  source?.on('error', () => undefined);
}

/** Signals a process group led by `pid` (the app was started detached), else the process alone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** Kills what is left of a group whose leader has exited (children that ignored SIGTERM). */
async function killLeftovers(pgid: number): Promise<void> {
  if (!pgid || process.platform === 'win32') return;
  if (process.platform === 'linux' && (await groupMembers(pgid)).length === 0) return;
  signalGroupOnly(pgid, 'SIGKILL');
}

/**
 * Signals the group `pgid` and nothing else: for processes that are not (or no longer) our
 * children, whose pid alone may by now belong to someone else, but whose group id never does
 * unless that someone leads a group with the very same number.
 */
export function signalGroupOnly(pgid: number, signal: NodeJS.Signals): void {
  if (!pgid || process.platform === 'win32') return;
  try {
    process.kill(-pgid, signal);
  } catch {
    // Group already empty.
  }
}
