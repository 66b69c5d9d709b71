import { spawn } from 'node:child_process';
import { StagecraftError } from '../../core/errors';
import { redactor } from '../../core/redact';
import type { RunAs } from './postgresUser';

export interface ToolResult {
  code: number | null;
  /** stdout and stderr, redacted, at most the last 16 KB. */
  output: string;
}

/**
 * Runs initdb or pg_ctl, as the postgres user when we are root, in a session of its own
 * (so a Ctrl+C in the terminal does not reach the server it starts) and with a small
 * environment: the server must not inherit the CLI's credentials.
 */
export function runTool(file: string, args: string[], runAs: RunAs | undefined, signal?: AbortSignal): Promise<ToolResult> {
  if (signal?.aborted) return Promise.reject(StagecraftError.cancelled(`${file}`));
  const env: NodeJS.ProcessEnv =
    process.platform === 'win32'
      ? { ...process.env, LC_ALL: 'C' }
      : { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C', ...(process.env.TZ ? { TZ: process.env.TZ } : {}) };
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: '/',
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-16 * 1024);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const onAbort = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', err => {
      signal?.removeEventListener('abort', onAbort);
      reject(new StagecraftError(`Could not run ${file}: ${err.message}`, { cause: err, kind: 'unavailable' }));
    });
    child.on('close', code => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) reject(StagecraftError.cancelled(file));
      else resolve({ code, output: redactor.redact(output) });
    });
  });
}
