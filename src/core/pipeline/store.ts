import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError } from '../errors';
import { stateDir } from '../workspace';
import { writeJsonAtomic } from '../jsonFile';
import { isHeartbeatAlive, readHeartbeat } from './heartbeat';
import type { RunRecord, RunStatus } from './types';

/**
 * Runs live under `<state folder>/runs/<runId>/`: `run.json` (the record, rewritten
 * atomically by the one process running it), `run.log` (redacted lines), `heartbeat.json`
 * and `approvals/` (decisions, written by whichever process approves).
 */
export const RUN_FILE = 'run.json';
export const LOG_FILE = 'run.log';
export const APPROVALS_DIR = 'approvals';

const RUN_ID = /^\d{8}-\d{6}-\d{3}-[0-9a-f]{4}$/;

export function runsDir(root: string): string {
  return path.join(stateDir(root), 'runs');
}

/** The stack root and run id of a file of a run (`<root>/.stagecraft/runs/<id>/run.json`), or undefined. */
export function runOfFile(file: string): { root: string; runId: string } | undefined {
  const dir = path.dirname(file);
  const runId = path.basename(dir);
  const root = path.resolve(dir, '..', '..', '..');
  return RUN_ID.test(runId) && runDir(root, runId) === dir ? { root, runId } : undefined;
}

export function runDir(root: string, runId: string): string {
  if (!RUN_ID.test(runId)) throw new StagecraftError(`"${runId}" is not a run id (expected something like 20250101-120000-000-ab12).`, { kind: 'input' });
  return path.join(runsDir(root), runId);
}

/** Sortable by time: "20250101-120000-123-ab12" (UTC). */
export function newRunId(now = new Date()): string {
  const iso = now.toISOString(); // 2025-01-01T12:00:00.123Z
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${iso.slice(20, 23)}`;
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

export async function writeRunRecord(root: string, run: RunRecord): Promise<void> {
  await writeJsonAtomic(path.join(runDir(root, run.id), RUN_FILE), run);
}

export interface ReadOptions {
  /** Heartbeat age after which a live-looking run counts as interrupted (tests make it short). */
  staleMs?: number;
}

/** A run as recorded, with `running`/`awaiting-approval` turned into `interrupted` when its process is gone. */
export async function readRun(root: string, runId: string, options: ReadOptions = {}): Promise<RunRecord> {
  const dir = runDir(root, runId);
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, RUN_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new StagecraftError(`No run "${runId}" in ${runsDir(root)}.`, { kind: 'input', hint: 'List runs with `stagecraft status`.' });
    }
    throw err;
  }
  let run: RunRecord;
  try {
    run = JSON.parse(text) as RunRecord;
  } catch (err) {
    throw new StagecraftError(`The record of run "${runId}" (${path.join(dir, RUN_FILE)}) is not valid JSON: ${(err as Error).message}.`, { kind: 'failure', cause: err });
  }
  return { ...run, status: await effectiveStatus(dir, run.status, options) };
}

export async function isRunLive(root: string, runId: string, options: ReadOptions = {}): Promise<boolean> {
  return isHeartbeatAlive(await readHeartbeat(runDir(root, runId)), options.staleMs);
}

async function effectiveStatus(dir: string, status: RunStatus, options: ReadOptions): Promise<RunStatus> {
  if (status !== 'running' && status !== 'awaiting-approval') return status;
  return isHeartbeatAlive(await readHeartbeat(dir), options.staleMs) ? status : 'interrupted';
}

/** Runs newest first; unreadable folders are left out. */
export async function listRuns(root: string, options: ReadOptions & { limit?: number } = {}): Promise<RunRecord[]> {
  const ids = await listRunIds(root);
  const picked = options.limit === undefined ? ids : ids.slice(0, options.limit);
  const runs = await Promise.all(picked.map(id => readRun(root, id, options).catch(() => undefined)));
  return runs.filter((r): r is RunRecord => r !== undefined);
}

export async function listRunIds(root: string): Promise<string[]> {
  const names = await fs.readdir(runsDir(root)).catch(() => [] as string[]);
  return names.filter(n => RUN_ID.test(n)).sort().reverse();
}

export async function latestRun(root: string, options: ReadOptions = {}): Promise<RunRecord | undefined> {
  return (await listRuns(root, { ...options, limit: 1 }))[0];
}

/** The run's log text (already redacted when written); empty when it has none yet. */
export async function readRunLog(root: string, runId: string): Promise<string> {
  return fs.readFile(path.join(runDir(root, runId), LOG_FILE), 'utf8').catch(() => '');
}
