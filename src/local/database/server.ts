import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import { redactor } from '../../core/redact';
import { postgresBinariesFor } from './binaries';
import type { StageDatabasePaths } from './paths';
import type { RunAs } from './postgresUser';
import { isPostgresProcess, isProcessAlive, pidExists } from './process';
import { runTool } from './tool';

const START_TIMEOUT_S = 30;
const LOG_ROTATE_BYTES = 10 * 1024 * 1024;

/** What `postmaster.pid` says about a running (or crashed) server. */
export interface PostmasterInfo {
  pid: number;
  port: number;
  /** "starting", "ready", "stopping", … */
  status: string;
}

export async function readPostmasterInfo(dataDir: string): Promise<PostmasterInfo | undefined> {
  const text = await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  const lines = text.split('\n');
  const pid = Number.parseInt(lines[0] ?? '', 10);
  if (!Number.isInteger(pid)) return undefined;
  return { pid, port: Number.parseInt(lines[3] ?? '', 10), status: (lines[7] ?? '').trim() };
}

/** The live server of a data folder, or undefined when none runs (a stale pid file is ignored). */
export async function runningServer(dataDir: string): Promise<PostmasterInfo | undefined> {
  const info = await readPostmasterInfo(dataDir);
  return info && (await isPostgresProcess(info.pid)) ? info : undefined;
}

export async function isInitialized(dataDir: string): Promise<boolean> {
  return fs.stat(path.join(dataDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
}

/** Creates a fresh cluster: user postgres with `password`, TCP on 127.0.0.1 only, no Unix socket. */
export async function initCluster(paths: StageDatabasePaths, password: string, runAs: RunAs | undefined, signal?: AbortSignal): Promise<void> {
  await fs.rm(paths.dataDir, { recursive: true, force: true });
  await fs.mkdir(paths.dataDir, { mode: 0o700 });
  // initdb reads the password from a file so it never shows in a process list.
  const pwfile = path.join(paths.dir, `pwfile.${process.pid}`);
  await fs.writeFile(pwfile, password + '\n', { mode: 0o600 });
  if (runAs) {
    await fs.chown(paths.dataDir, runAs.uid, runAs.gid);
    await fs.chown(pwfile, runAs.uid, runAs.gid);
  }
  try {
    const { initdb } = await postgresBinariesFor(runAs);
    const args = [`--pgdata=${paths.dataDir}`, '--username=postgres', `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--no-locale', '--no-instructions'];
    const result = await runTool(initdb, args, runAs, signal);
    if (result.code !== 0) {
      throw new StagecraftError(`Could not create the PostgreSQL data folder for stage "${paths.stage}" (initdb exit ${result.code}).\n${lastLines(result.output)}`, {
        hint: `Check that ${paths.dir} is on a writable disk with free space, then retry.`,
      });
    }
  } finally {
    await fs.rm(pwfile, { force: true });
  }
  // The port is given at each start, so a stage can move when its old port is taken.
  await fs.appendFile(
    path.join(paths.dataDir, 'postgresql.conf'),
    "\n# Added by Stagecraft: loopback TCP only, no Unix socket; the port is passed at each start.\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n",
  );
}

export type StartOutcome = { ok: true; info: PostmasterInfo } | { ok: false; portInUse: boolean; logTail: string; output: string };

/**
 * Starts the server through pg_ctl, which detaches it into a session of its own: it keeps
 * running when this process exits, is killed, or the VS Code window reloads.
 */
/*
 * recovery_init_sync_method=syncfs: after a crash (kill -9), PostgreSQL flushes its data folder
 * before recovery; syncfs does that in one call instead of one fsync per file, so a stage's
 * database is back within seconds on a busy disk (issue 20: self-healing stages).
 */
export async function startServer(paths: StageDatabasePaths, port: number, runAs: RunAs | undefined, signal?: AbortSignal): Promise<StartOutcome> {
  await rotateLog(paths.logFile);
  // A pid file left by a server that died, whose pid now belongs to another program, would make
  // PostgreSQL refuse to start; one whose pid is gone it handles itself.
  const stale = await readPostmasterInfo(paths.dataDir);
  if (stale && isProcessAlive(stale.pid) && !(await isPostgresProcess(stale.pid))) await fs.rm(path.join(paths.dataDir, 'postmaster.pid'), { force: true });
  // A server that was killed stays a zombie until its parent (init) reaps it, which some inits
  // do only every few seconds; PostgreSQL would take it for a live server meanwhile.
  if (stale && !isProcessAlive(stale.pid)) await waitUntilGone(stale.pid, 10_000);
  const logStart = await fs.stat(paths.logFile).then(
    s => s.size,
    () => 0,
  );
  const { pgCtl } = await postgresBinariesFor(runAs);
  const result = await runTool(pgCtl, ['start', '-D', paths.dataDir, '-l', paths.logFile, '-w', '-t', String(START_TIMEOUT_S), '-o', `-p ${port} -c recovery_init_sync_method=syncfs`], runAs, signal);
  const info = await runningServer(paths.dataDir);
  if (result.code === 0 && info && info.status === 'ready') return { ok: true, info };
  const fresh = await logSince(paths.logFile, logStart);
  return { ok: false, portInUse: /could not bind|Address already in use/i.test(fresh), logTail: lastLines(fresh || result.output), output: result.output };
}

/** Stops the server (fast: rolls back open transactions), harder if it does not go. Data is kept. */
export async function stopServer(paths: StageDatabasePaths, runAs: RunAs | undefined): Promise<void> {
  const info = await runningServer(paths.dataDir);
  if (!info) return;
  const { pgCtl } = await postgresBinariesFor(runAs);
  const fast = await runTool(pgCtl, ['stop', '-D', paths.dataDir, '-m', 'fast', '-w', '-t', '20'], runAs);
  if (fast.code === 0 || !isProcessAlive(info.pid)) return;
  await runTool(pgCtl, ['stop', '-D', paths.dataDir, '-m', 'immediate', '-w', '-t', '10'], runAs);
  if (!isProcessAlive(info.pid)) return;
  process.kill(info.pid, 'SIGKILL');
}

async function waitUntilGone(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pidExists(pid) && Date.now() < deadline) await new Promise(r => setTimeout(r, 50));
}

/** Waits while a server someone else launched finishes starting or stopping. */
export async function settle(dataDir: string, timeoutMs = START_TIMEOUT_S * 1000): Promise<PostmasterInfo | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await runningServer(dataDir);
    if (!info || info.status === 'ready' || Date.now() > deadline) return info;
    await new Promise(r => setTimeout(r, 50));
  }
}

/** The last lines of the server's log, redacted, for error messages. */
export async function logTail(logFile: string, lines = 12): Promise<string> {
  const size = await fs.stat(logFile).then(
    s => s.size,
    () => 0,
  );
  return lastLines(await logSince(logFile, Math.max(0, size - 16 * 1024)), lines);
}

async function logSince(logFile: string, offset: number): Promise<string> {
  const handle = await fs.open(logFile, 'r').catch(() => undefined);
  if (!handle) return '';
  try {
    const { size } = await handle.stat();
    const from = Math.max(offset, size - 64 * 1024);
    const buf = Buffer.alloc(Math.max(0, size - from));
    await handle.read(buf, 0, buf.length, from);
    return redactor.redact(buf.toString('utf8'));
  } finally {
    await handle.close();
  }
}

function lastLines(text: string, n = 12): string {
  return redactor
    .redact(text)
    .split(/\r?\n/)
    .filter(l => l.trim() !== '')
    .slice(-n)
    .join('\n');
}

/** Keeps one previous log: the server appends to its log forever otherwise. */
async function rotateLog(logFile: string): Promise<void> {
  const st = await fs.stat(logFile).catch(() => undefined);
  if (st && st.size > LOG_ROTATE_BYTES) await fs.rename(logFile, `${logFile}.1`);
}
