import { spawn } from 'node:child_process';
import { ensureStageDatabase, stageDatabaseStatus } from '../database';
import { sendRequest } from './controlClient';
import { updateHealth, readHealth } from './health';
import { spawnDaemon } from './launch';
import { runtimePaths } from './paths';
import { isSameProcess, startTicksOf } from './procinfo';
import type { PingResult } from './protocol';
import { readRuntimeState } from './state';

/**
 * A stage's watchdog: a small detached process each daemon starts beside itself. It restarts the
 * daemon when it dies without being stopped (kill -9, a crash): the new daemon ends the orphaned
 * app and starts the active version again behind the same URL. It also restarts the stage's
 * PostgreSQL when its server is gone.
 *
 * Restart policy (the README's "Guarantees" section says the same):
 * - the daemon: restarted at once, then after 1 s, 5 s, 15 s, 30 s; at most 5 restarts in 10 minutes,
 *   after which the stage is "failed" with the reason until a deploy starts it again;
 * - the database: checked every 250 ms, restarted at once, then after 1 s, 2 s, 5 s, 10 s; after
 *   5 failed starts in a row the stage is "failed" with the reason;
 * - nothing is restarted after a deliberate stop (stop request, SIGTERM, destroy).
 */
export const DAEMON_RESTART_POLICY = { windowMs: 10 * 60_000, maxRestarts: 5, backoffMs: [0, 1000, 5000, 15_000, 30_000] };
export const DATABASE_RESTART_POLICY = { checkEveryMs: 250, maxFailures: 5, backoffMs: [0, 1000, 2000, 5000, 10_000] };
const POLL_MS = 100;
const DAEMON_ANSWER_MS = 15_000;

export interface WatchdogOptions {
  root: string;
  stage: string;
  daemonPid: number;
  daemonTicks?: number;
  log: (line: string) => void;
}

/** Started by a daemon: `node stage-daemon.js --watchdog --root R --stage S --daemon-pid P`. Detached, no stdio. */
export function startWatchdog(root: string, stage: string, script: string, daemonPid: number): void {
  const child = spawn(process.execPath, [script, '--watchdog', '--root', root, '--stage', stage, '--daemon-pid', String(daemonPid)], {
    detached: true,
    stdio: 'ignore',
    env: process.env,
    cwd: runtimePaths(root, stage).dir,
    windowsHide: true,
  });
  child.on('error', () => undefined);
  child.unref();
}

export async function runWatchdog(opts: WatchdogOptions): Promise<void> {
  const { root, stage, log } = opts;
  const ticks = opts.daemonTicks ?? (await startTicksOf(opts.daemonPid));
  let dbFailures = 0;
  let nextDbCheck = Date.now() + DATABASE_RESTART_POLICY.checkEveryMs;
  for (;;) {
    await sleep(POLL_MS);
    if (!(await isSameProcess(opts.daemonPid, ticks))) {
      const state = await readRuntimeState(root, stage);
      // Stopped on purpose (running=false), destroyed (no state), or replaced by another daemon.
      if (!state || !state.running || (state.daemon && state.daemon.pid !== opts.daemonPid)) return;
      await restartDaemon(opts, state.origins, state.hosts ?? []);
      return;
    }
    if (Date.now() >= nextDbCheck) {
      const next = await checkDatabase(opts, dbFailures);
      dbFailures = next.failures;
      nextDbCheck = Date.now() + next.waitMs;
    }
  }
}

async function restartDaemon(opts: WatchdogOptions, origins: string[], hosts: string[]): Promise<void> {
  const { root, stage, log } = opts;
  const dir = runtimePaths(root, stage).dir;
  for (;;) {
    const health = await readHealth(dir);
    const recent = health.daemonRestarts.filter(at => Date.now() - Date.parse(at) < DAEMON_RESTART_POLICY.windowMs);
    if (recent.length >= DAEMON_RESTART_POLICY.maxRestarts) {
      const reason = `the stage runtime crashed ${recent.length + 1} times within ${DAEMON_RESTART_POLICY.windowMs / 60_000} minutes; not restarted again (see ${runtimePaths(root, stage).daemonLog})`;
      log(`giving up: ${reason}`);
      await updateHealth(dir, h => ({ ...h, failed: { at: new Date().toISOString(), reason } }));
      return;
    }
    const delay = DAEMON_RESTART_POLICY.backoffMs[Math.min(recent.length, DAEMON_RESTART_POLICY.backoffMs.length - 1)];
    log(`the stage runtime (pid ${opts.daemonPid}) died without being stopped; restarting it${delay ? ` in ${delay} ms` : ''}`);
    await sleep(delay);
    const at = new Date().toISOString();
    await updateHealth(dir, h => ({ ...h, daemonRestarts: [...recent, at] }));
    const daemon = await spawnDaemon(root, stage, origins, { file: process.execPath, env: process.env, describe: process.execPath }, hosts);
    const ping = await waitForAnswer(runtimePaths(root, stage).socket, stage, daemon.exited);
    if (ping) {
      log(`restarted: the stage runtime is pid ${ping.pid}`);
      await updateHealth(dir, h => ({ ...h, recovered: { at, reason: 'daemon crashed' }, failed: undefined }));
      return;
    }
  }
}

async function waitForAnswer(socket: string, stage: string, exited: Promise<number | null>): Promise<PingResult | undefined> {
  let gone = false;
  void exited.then(code => (gone = code !== 0));
  const deadline = Date.now() + DAEMON_ANSWER_MS;
  while (Date.now() < deadline && !gone) {
    try {
      return (await sendRequest(socket, { op: 'ping' }, { timeoutMs: 1000, stage })) as PingResult;
    } catch {
      await sleep(25);
    }
  }
  return undefined;
}

/** One look at the stage's database; returns the failures so far and when to look again. */
async function checkDatabase(opts: WatchdogOptions, failures: number): Promise<{ failures: number; waitMs: number }> {
  const { root, stage, log } = opts;
  const db = await stageDatabaseStatus(root, stage).catch(() => undefined);
  if (!db?.exists || db.running) return { failures: 0, waitMs: DATABASE_RESTART_POLICY.checkEveryMs };
  const state = await readRuntimeState(root, stage);
  if (!state?.running) return { failures, waitMs: DATABASE_RESTART_POLICY.checkEveryMs };
  const dir = runtimePaths(root, stage).dir;
  if (failures >= DATABASE_RESTART_POLICY.maxFailures) return { failures, waitMs: 5000 };
  log(`PostgreSQL of stage "${stage}" is not running; starting it again`);
  try {
    await ensureStageDatabase(root, stage, { log: line => log(line) });
    await updateHealth(dir, h => ({ ...h, recovered: { at: new Date().toISOString(), reason: 'database crashed' } }));
    return { failures: 0, waitMs: DATABASE_RESTART_POLICY.checkEveryMs };
  } catch (err) {
    const n = failures + 1;
    log(`could not start PostgreSQL again (${n}/${DATABASE_RESTART_POLICY.maxFailures}): ${(err as Error).message}`);
    if (n >= DATABASE_RESTART_POLICY.maxFailures) {
      await updateHealth(dir, h => ({ ...h, failed: { at: new Date().toISOString(), reason: `its PostgreSQL could not be started again: ${(err as Error).message.split('\n')[0]}` } }));
    }
    return { failures: n, waitMs: DATABASE_RESTART_POLICY.backoffMs[Math.min(n, DATABASE_RESTART_POLICY.backoffMs.length - 1)] };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}
