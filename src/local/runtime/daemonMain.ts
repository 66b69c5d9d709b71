/**
 * Entry of `dist/stage-daemon.js`: the detached process that keeps one stage serving while
 * editors reload and CLIs exit. Started by client.ts as
 *   node stage-daemon.js --root <workspace> --stage <name> --origins '<json array>'
 * It answers the control socket until a `stop` request (or SIGTERM) ends it.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { RotatingFile } from '../logs/rotatingFile';
import { redactor } from '../../core/redact';
import { listenControl } from './controlServer';
import { runtimePaths } from './paths';
import type { PingResult, RuntimeRequest } from './protocol';
import { StageSupervisor } from './supervisor';
import { updateHealth } from './health';
import { runWatchdog, startWatchdog } from './watchdog';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const root = arg('root');
  const stage = arg('stage');
  if (!root || !stage) {
    process.stderr.write('usage: stage-daemon --root <workspace> --stage <name> [--origins <json>] [--hosts <json>] | --watchdog --root <workspace> --stage <name> --daemon-pid <pid>\n');
    process.exit(2);
  }
  if (process.argv.includes('--watchdog')) return watchdogMain(root, stage, Number(arg('daemon-pid')));
  process.title = `stagecraft-stage ${stage}`;
  const origins = JSON.parse(arg('origins') ?? '[]') as string[];
  const hosts = JSON.parse(arg('hosts') ?? '[]') as string[];
  const paths = runtimePaths(root, stage);
  await fs.mkdir(paths.dir, { recursive: true, mode: 0o700 });
  const daemonLog = new RotatingFile(paths.daemonLog, { maxBytes: 1024 * 1024, keep: 2 });
  const log = (line: string) => daemonLog.write(`${new Date().toISOString()} [${process.pid}] ${redactor.redact(line)}`);
  // A detached daemon has nobody to report to: log what would have crashed it and keep serving.
  process.on('uncaughtException', err => log(`uncaught: ${err.stack ?? err.message}`));
  process.on('unhandledRejection', err => log(`unhandled rejection: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
  process.on('SIGHUP', () => undefined);

  const supervisor = new StageSupervisor({ root, stage, origins, hosts, log });
  let ready: Promise<void> | undefined;
  const exit = async (code: number) => {
    server?.close();
    await daemonLog.close();
    process.exit(code);
  };

  const handle = async (request: RuntimeRequest, signal: AbortSignal): Promise<unknown> => {
    await ready;
    switch (request.op) {
      case 'ping':
        return { pid: process.pid, stage, origins: supervisor.origins, hosts: supervisor.hosts } satisfies PingResult;
      case 'status':
        return supervisor.status();
      case 'startCandidate':
        return supervisor.startCandidate(request.version, signal);
      case 'promoteCandidate':
        return supervisor.promoteCandidate(request.expect);
      case 'discardCandidate':
        return supervisor.discardCandidate();
      case 'setOrigins':
        return supervisor.setOrigins(request.origins, request.hosts);
      case 'stop':
        return supervisor.stop(true);
    }
  };
  // A daemon that runs again clears an earlier "failed" of its watchdog (issue 20: self-healing stages).
  // Before it answers anyone: a watchdog that restarted it records the recovery once it answers.
  await updateHealth(paths.dir, h => ({ ...h, failed: undefined })).catch(err => log(`health.json: ${(err as Error).message}`));
  const server = await listenControl(paths.socket, handle, request => {
    if (request.op === 'stop') void exit(0);
  });
  if (!server) {
    // Another daemon already serves this stage; it is the one clients will reach.
    log('another runtime already serves this stage; exiting');
    await daemonLog.close();
    return;
  }
  log(`runtime started for stage "${stage}" (node ${process.version})`);
  ready = supervisor.start();
  try {
    await ready;
  } catch (err) {
    log(`could not start: ${(err as Error).stack ?? (err as Error).message}`);
    // Let a waiting client read the reason from its ping reply before we go.
    setTimeout(() => void exit(1), 500);
    return;
  }
  startWatchdog(root, stage, process.argv[1], process.pid);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      log(`${signal}: stopping the stage's processes (they resume on the next start)`);
      void supervisor.stop(false).finally(() => exit(0));
    });
  }
}

/** The watchdog mode of the same script: see watchdog.ts. Logs to watchdog.log beside daemon.log. */
async function watchdogMain(root: string, stage: string, daemonPid: number): Promise<void> {
  process.title = `stagecraft-watchdog ${stage}`;
  const file = path.join(runtimePaths(root, stage).dir, 'watchdog.log');
  const log = (line: string) => void fs.appendFile(file, `${new Date().toISOString()} [${process.pid}] ${redactor.redact(line)}\n`).catch(() => undefined);
  process.on('SIGHUP', () => undefined);
  if (!Number.isInteger(daemonPid) || daemonPid <= 0) process.exit(2);
  await runWatchdog({ root, stage, daemonPid, log });
}

void main().catch(err => {
  process.stderr.write(`stage-daemon: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
