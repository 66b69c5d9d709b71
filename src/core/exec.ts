import { spawn, type SpawnOptions } from 'node:child_process';
import { StagecraftError } from './errors';
import { redactor } from './redact';

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Each line of stdout and stderr, already redacted. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Milliseconds after SIGTERM before SIGKILL when cancelled. */
  killGraceMs?: number;
  /** Keep at most this many characters of output in the result (the tail). */
  keepOutput?: number;
  /** Also return stdout alone, whole and unredacted (for machine-readable output such as JSON). */
  captureStdout?: boolean;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last `keepOutput` characters of stdout and stderr interleaved, redacted. */
  output: string;
  /** Set with `captureStdout`. */
  stdout?: string;
  durationMs: number;
}

/**
 * Runs a shell command line (as Dockerfile RUN and package scripts are written) in its own
 * process group, so cancelling ends the command and everything it started.
 */
export function runShell(command: string, options: RunOptions): Promise<RunResult> {
  return runProcess('/bin/sh', ['-c', command], options);
}

/** Runs a program with arguments; see runShell for cancellation. */
export function runProcess(file: string, args: string[], options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const keep = options.keepOutput ?? 64 * 1024;
  if (options.signal?.aborted) return Promise.reject(StagecraftError.cancelled(`"${[file, ...args].join(' ')}"`));
  return new Promise((resolve, reject) => {
    const spawnOptions: SpawnOptions = { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true };
    const child = spawn(file, args, spawnOptions);
    let output = '';
    const stdoutChunks: Buffer[] = [];
    if (options.captureStdout) child.stdout?.on('data', (chunk: Buffer) => stdoutChunks.push(chunk));
    const collect = (source: NodeJS.ReadableStream | null, stream: 'stdout' | 'stderr') => {
      let partial = '';
      source?.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString('utf8')).split(/\r?\n/);
        partial = lines.pop() ?? '';
        for (const line of lines) emit(line, stream);
      });
      source?.on('end', () => {
        if (partial) emit(partial, stream);
        partial = '';
      });
    };
    const emit = (raw: string, stream: 'stdout' | 'stderr') => {
      const line = redactor.redact(raw);
      output += line + '\n';
      if (output.length > keep * 2) output = output.slice(-keep);
      options.onLine?.(line, stream);
    };
    collect(child.stdout, 'stdout');
    collect(child.stderr, 'stderr');

    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), options.killGraceMs ?? 3000);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.on('error', err => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(new StagecraftError(`Could not start "${file}": ${err.message}`, { cause: err, kind: 'failure' }));
    });
    child.on('close', (code, sig) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      if (options.signal?.aborted) {
        reject(StagecraftError.cancelled(`"${[file, ...args].join(' ')}"`));
        return;
      }
      const stdout = options.captureStdout ? Buffer.concat(stdoutChunks).toString('utf8') : undefined;
      resolve({ code, signal: sig, output: output.slice(-keep), stdout, durationMs: Date.now() - started });
    });
  });
}

/** Signals a whole process group (the child was started detached, so it leads one). */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}
