import * as path from 'node:path';
import { isCancelled, StagecraftError } from '../../core/errors';
import { nameProblem } from '../../core/naming';
import { ConnectionLost, DaemonUnreachable, sendRequest } from './controlClient';
import { daemonLogTail, nodeLaunchers, spawnDaemon, type SpawnedDaemon } from './launch';
import { runtimePaths } from './paths';
import { isAlive } from './procinfo';
import type { CandidateIdentity, CandidateSpec, PingResult, RuntimeStatus, VersionInfo } from './protocol';
import { readRuntimeState } from './state';

export type { RuntimeStatus, VersionInfo } from './protocol';

/** What startCandidate needs to run one version of the app. PORT is set by the runtime. */
export type CandidateVersion = Omit<CandidateSpec, 'startTimeoutMs'> & { startTimeoutMs?: number };

/**
 * A stage's runtime: a detached daemon that owns the stage's proxy (its stable URL) and app
 * processes. Every call is a request on the daemon's control socket, so any number of clients
 * (the extension, CLIs) can hold one; the daemon serializes version changes.
 */
export interface StageRuntime {
  status(): Promise<RuntimeStatus>;
  /** Starts the new version beside the old one on a free port (PORT env); rejects if it exits early, with its last log lines. */
  startCandidate(v: CandidateVersion): Promise<VersionInfo>;
  /**
   * The proxy switches to the candidate; the old version is drained, then stopped (SIGTERM, SIGKILL after a grace).
   * With `expect`, only that very candidate: when another one stands there, nothing is switched and it rejects.
   */
  promoteCandidate(expect?: CandidateIdentity): Promise<void>;
  /** Stops the candidate; the active version keeps serving (after a stop-then-start, the old version is started again). */
  discardCandidate(): Promise<void>;
  /** With `hosts`, also the host names the proxy answers to. */
  setOrigins(origins: readonly string[], hosts?: readonly string[]): Promise<void>;
  /** Stops apps, proxy and daemon; state is kept so the stage reads as stopped. Resolves once the daemon has exited. */
  stop(): Promise<void>;
}

const PING_TIMEOUT_MS = 2000;
const START_TIMEOUT_MS = 15_000;
const STOP_WAIT_MS = 15_000;

/** Daemon starts in flight in this process, so two callers never start two daemons for one stage. */
const starting = new Map<string, Promise<PingResult>>();

/**
 * Reattaches to the stage's running daemon, or (with `start`) starts one. Without `start`,
 * resolves to undefined when none runs. Applies `origins` (and `hosts`) when the daemon's differ.
 */
export async function connectStageRuntime(
  root: string,
  stage: string,
  opts: { origins: readonly string[]; hosts?: readonly string[]; signal?: AbortSignal; start: boolean },
): Promise<StageRuntime | undefined> {
  root = path.resolve(root);
  const problem = nameProblem(stage, 'stage');
  if (problem) throw new StagecraftError(`Cannot run stage: ${problem}.`, { kind: 'usage' });
  const paths = runtimePaths(root, stage);
  let ping = await tryPing(paths.socket, stage, opts.signal);
  if (!ping) {
    if (!opts.start) return undefined;
    let pending = starting.get(paths.socket);
    if (!pending) {
      pending = startDaemon(root, stage, opts.origins, opts.hosts ?? [], opts.signal).finally(() => starting.delete(paths.socket));
      starting.set(paths.socket, pending);
    }
    ping = await pending;
  }
  const runtime = new SocketStageRuntime(paths.socket, stage, opts.signal);
  const hosts = opts.hosts ?? [];
  if (!sameList(ping.origins, opts.origins) || !sameList(ping.hosts ?? [], hosts)) await runtime.setOrigins(opts.origins, hosts);
  return runtime;
}

/**
 * The stage's runtime as state.json last recorded it, without starting or asking the daemon:
 * for a status view when no daemon answers (stopped, or ended by a reboot).
 */
export async function readStageRuntimeStatus(root: string, stage: string): Promise<RuntimeStatus & { lastActive?: { artifactId: string; commit: string } }> {
  const state = await readRuntimeState(path.resolve(root), stage);
  if (!state) return { running: false, restarts: 0 };
  const running = state.running && isAlive(state.daemon?.pid);
  const strip = (v: typeof state.active) => v && { artifactId: v.artifactId, commit: v.commit, port: v.port, pid: v.pid, startedAt: v.startedAt, mode: v.mode };
  return {
    running,
    url: running && state.proxyPort ? `http://127.0.0.1:${state.proxyPort}` : undefined,
    proxyPort: state.proxyPort,
    active: running ? strip(state.active) : undefined,
    candidate: running ? strip(state.candidate) : undefined,
    restarts: state.restarts,
    lastExit: state.lastExit && { code: state.lastExit.code, signal: state.lastExit.signal, at: state.lastExit.at },
    failed: running ? state.failed : undefined,
    lastActive: state.lastActive,
  };
}

class SocketStageRuntime implements StageRuntime {
  constructor(
    private readonly socket: string,
    private readonly stage: string,
    private readonly signal: AbortSignal | undefined,
  ) {}

  status(): Promise<RuntimeStatus> {
    return this.request({ op: 'status' }, 10_000) as Promise<RuntimeStatus>;
  }

  startCandidate(v: CandidateVersion): Promise<VersionInfo> {
    const version: CandidateSpec = { artifactId: v.artifactId, commit: v.commit, cwd: v.cwd, command: [...v.command], env: { ...v.env }, secretEnv: v.secretEnv, fixedPort: v.fixedPort, expectedPort: v.expectedPort, startTimeoutMs: v.startTimeoutMs };
    // The daemon bounds the start itself; allow for stopping a replaced version and a rollback on top.
    return this.request({ op: 'startCandidate', version }, (v.startTimeoutMs ?? 30_000) * 2 + 60_000) as Promise<VersionInfo>;
  }

  async promoteCandidate(expect?: CandidateIdentity): Promise<void> {
    await this.request({ op: 'promoteCandidate', ...(expect ? { expect } : {}) }, 180_000);
  }

  async discardCandidate(): Promise<void> {
    await this.request({ op: 'discardCandidate' }, 120_000);
  }

  async setOrigins(origins: readonly string[], hosts?: readonly string[]): Promise<void> {
    await this.request({ op: 'setOrigins', origins: [...origins], ...(hosts ? { hosts: [...hosts] } : {}) }, 10_000);
  }

  async stop(): Promise<void> {
    let pid: number | undefined;
    try {
      pid = ((await this.request({ op: 'ping' }, PING_TIMEOUT_MS)) as PingResult).pid;
      await this.request({ op: 'stop' }, 120_000);
    } catch (err) {
      if (isCancelled(err)) throw err;
      // Already gone counts as stopped; anything else is worth reporting.
      if (!(err instanceof DaemonUnreachable)) throw err;
    }
    const deadline = Date.now() + STOP_WAIT_MS;
    while (pid && isAlive(pid) && Date.now() < deadline) await sleep(25);
    if (pid && isAlive(pid)) {
      throw new StagecraftError(`The runtime of stage "${this.stage}" (pid ${pid}) did not exit after stopping.`, {
        kind: 'unavailable',
        hint: `End it with "kill ${pid}"; its apps have been stopped.`,
      });
    }
  }

  private async request(request: Parameters<typeof sendRequest>[1], timeoutMs: number): Promise<unknown> {
    try {
      return await sendRequest(this.socket, request, { timeoutMs, signal: this.signal, stage: this.stage });
    } catch (err) {
      if (err instanceof DaemonUnreachable && request.op !== 'ping') {
        throw new StagecraftError(`The runtime of stage "${this.stage}" is not running.`, {
          kind: 'unavailable',
          hint: 'Deploy the stage again to start it.',
          cause: err,
        });
      }
      throw err;
    }
  }
}

async function tryPing(socket: string, stage: string, signal: AbortSignal | undefined): Promise<PingResult | undefined> {
  try {
    return (await sendRequest(socket, { op: 'ping' }, { timeoutMs: PING_TIMEOUT_MS, signal, stage })) as PingResult;
  } catch (err) {
    // A daemon that drops a ping is ending (stopped, or lost the race for the stage): none to attach to.
    if (err instanceof DaemonUnreachable || err instanceof ConnectionLost) return undefined;
    throw err;
  }
}

/** Spawns the daemon (trying each way to run Node) and waits until it answers. */
async function startDaemon(root: string, stage: string, origins: readonly string[], hosts: readonly string[], signal: AbortSignal | undefined): Promise<PingResult> {
  const paths = runtimePaths(root, stage);
  const failures: string[] = [];
  for (const launcher of nodeLaunchers()) {
    const daemon = await spawnDaemon(root, stage, origins, launcher, hosts);
    const result = await waitForDaemon(paths.socket, stage, daemon, signal);
    if ('ping' in result) return result.ping;
    failures.push(`${launcher.describe}: ${result.failure}`);
  }
  const tail = await daemonLogTail(root, stage);
  throw new StagecraftError(`The runtime of stage "${stage}" could not start (${failures.join('; ')}).${tail ? `\nIts log (${paths.daemonLog}):\n${tail}` : ''}`, {
    kind: 'unavailable',
    hint: 'Check that Node.js 20 or later can run here; set STAGECRAFT_NODE to a node binary to choose one.',
  });
}

async function waitForDaemon(
  socket: string,
  stage: string,
  daemon: SpawnedDaemon,
  signal: AbortSignal | undefined,
): Promise<{ ping: PingResult } | { failure: string }> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exitCode: number | null | undefined;
  void daemon.exited.then(code => (exitCode = code));
  while (Date.now() < deadline) {
    if (signal?.aborted) throw StagecraftError.cancelled(`Starting the runtime of stage "${stage}"`);
    const ping = await tryPing(socket, stage, signal);
    if (ping) return { ping };
    // Exit 0 means another daemon won the race for this stage: keep asking, it will answer.
    if (exitCode !== undefined && exitCode !== 0) return { failure: exitCode === null ? 'could not be run' : `exited with code ${exitCode}` };
    await sleep(50);
  }
  // A daemon that never answered is of no use to anyone: do not leave it behind.
  if (exitCode === undefined && daemon.pid) {
    try {
      process.kill(daemon.pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  return { failure: `no answer within ${START_TIMEOUT_MS / 1000} s` };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}
