import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import { redactor } from '../../core/redact';
import { RotatingFile } from '../logs/rotatingFile';
import { StageProxy, type UpstreamAddress } from '../proxy/stageProxy';
import { formatAppLogLine, versionLabel, type AppLogStream } from './appLogFormat';
import { AppProcess, signalGroupOnly, type AppExit } from './appProcess';
import { describeNetworkMode, networkMode, type NetworkMode } from './netns';
import { connectOutbound, DatabaseForwards } from './netnsLinks';
import { runtimePaths, unixSocketPath, type RuntimePaths } from './paths';
import { describePortHolder, findPortHolder, freePort, canConnect, LOOPBACK, portFromAddressInUse } from './ports';
import { isSameProcess, listeningPortsOfGroup, startTicksOf } from './procinfo';
import type { CandidateIdentity, CandidateSpec, RuntimeStatus, VersionInfo } from './protocol';
import { emptyState, readRuntimeState, writeRuntimeFile, type RecordedVersion, type RuntimeStateFile } from './state';

export interface SupervisorOptions {
  root: string;
  stage: string;
  origins: string[];
  /** Host names the proxy answers to besides the loopback names. */
  hosts?: string[];
  /** Between SIGTERM and SIGKILL when stopping a version. */
  graceMs?: number;
  log: (line: string) => void;
}

/** A version the supervisor runs: how it was launched, its process, what state.json says of it. */
interface Version {
  spec: CandidateSpec;
  /** The port it serves on; `portFixed` when the app chose it (ignores PORT), so a restart must reuse it. */
  port: number;
  portFixed: boolean;
  proc: AppProcess;
  info: RecordedVersion;
  /** In its own network namespace: the Unix socket its bridge serves (kept across crash restarts). */
  socket?: string;
}

/** A started process and the port it listens on, once it does. */
interface Spawned {
  proc: AppProcess;
  /** Isolated versions only: resolves with the port the bridge found the app listening on. */
  listening?: Promise<number>;
}

/** What spec.json holds: enough to bring the active version back after the daemon itself restarts. */
interface SpecFile {
  active?: { spec: CandidateSpec; port: number; portFixed: boolean };
}

const DEFAULT_START_TIMEOUT_MS = 30_000;
/** Delays before restarting a crashed active version; a version that ran this long resets them. */
const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000, 15_000, 30_000];
const STABLE_AFTER_MS = 30_000;
/** Crashes in a row (none ran STABLE_AFTER_MS) after which the active version is no longer restarted: the stage is "failed" with the reason. */
const MAX_RESTARTS_IN_A_ROW = 10;
/** How long a version may ignore its PORT before we look for the port it did bind. */
const ADOPT_AFTER_MS = 1500;
/**
 * A new version takes traffic only once it has run this long: one that crashes right after it
 * starts listening is caught while the old version still serves, instead of crash-looping behind
 * the stage's URL after the old one was stopped.
 */
const MIN_UPTIME_BEFORE_SWITCH_MS = 2000;
const MAX_CRASHES_KEPT = 20;
/** PORT told to an app in its own network namespace when the stack names no port: any port is free in there. */
const ISOLATED_DEFAULT_PORT = 8080;
/** Env names whose values are masked in app.log. */
const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE|API_?KEY/i;
/** Masking by provenance (what came from a secret or the database credential), and by name for the rest. */
function maskSecrets(spec: CandidateSpec): void {
  const fromSecrets = new Set(spec.secretEnv ?? []);
  for (const [name, value] of Object.entries(spec.env)) if (fromSecrets.has(name) || SECRET_NAME.test(name)) redactor.add(value);
}

/** What the app inherits from the daemon's own environment; the rest comes from the stage. */
const INHERITED_ENV = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR', 'SYSTEMROOT'];

/**
 * The heart of a stage's daemon: owns the stage's proxy and app processes, switches versions
 * blue/green, restarts a crashed active version with backoff, and records everything in
 * state.json so other processes (clients, other stages, a later daemon) can read it.
 * Operations that change versions run one at a time; status never waits for them.
 */
export class StageSupervisor {
  private readonly paths: RuntimePaths;
  private readonly graceMs: number;
  private state: RuntimeStateFile;
  private proxy?: StageProxy;
  private appLog?: RotatingFile;
  private active?: Version;
  private candidate?: Version;
  /** The version a stop-then-start deploy stopped, brought back if the new one fails. */
  private replaced?: { spec: CandidateSpec; port: number; portFixed: boolean };
  private queue: Promise<unknown> = Promise.resolve();
  private restartTimer?: NodeJS.Timeout;
  private backoffIndex = 0;
  private stateWrite: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Decided at start (netns.ts): each version in its own network namespace, or the host's network. */
  private network: NetworkMode = { kind: 'host', reason: 'not started' };
  /** The stage's PostgreSQL for isolated versions. */
  private readonly databaseForwards: DatabaseForwards;
  /** An isolated candidate's own address for its health checks, closed at promotion or discard. */
  private preview?: StageProxy;

  constructor(private readonly opts: SupervisorOptions) {
    this.paths = runtimePaths(opts.root, opts.stage);
    this.graceMs = opts.graceMs ?? 5000;
    this.state = emptyState(opts.stage);
    this.databaseForwards = new DatabaseForwards(this.paths.netDir);
  }

  /** Ends what a dead predecessor left, opens the proxy (on its old port when free), resumes the active version. */
  async start(): Promise<void> {
    const previous = await readRuntimeState(this.opts.root, this.opts.stage);
    if (previous) await this.endOrphans(previous);
    this.network = await networkMode();
    this.opts.log(describeNetworkMode(this.network));
    if (this.network.kind === 'namespace') {
      // Sockets a killed predecessor left behind are stale: every version makes its own.
      await fs.rm(this.paths.netDir, { recursive: true, force: true });
      await fs.mkdir(this.paths.netDir, { recursive: true, mode: 0o700 });
    }
    this.state = {
      ...emptyState(this.opts.stage),
      ...(previous ?? {}),
      active: undefined,
      candidate: undefined,
      running: true,
      origins: this.opts.origins,
      hosts: this.opts.hosts ?? [],
      daemon: { pid: process.pid, startedAt: new Date().toISOString(), startTicks: await startTicksOf(process.pid) },
    };
    this.appLog = new RotatingFile(this.paths.appLog, { maxBytes: 10 * 1024 * 1024, keep: 3, onError: err => this.opts.log(`app.log: ${err.message}`) });
    this.proxy = await this.openProxy(previous?.proxyPort);
    this.state.proxyPort = this.proxy.port;
    await this.saveState();
    this.opts.log(`stage "${this.opts.stage}" serves on http://${LOOPBACK}:${this.proxy.port}`);
    if (previous?.desired === 'running') void this.serialized(() => this.resume());
  }

  status(): RuntimeStatus {
    return {
      running: !this.stopped && this.proxy !== undefined,
      url: this.proxy ? `http://${LOOPBACK}:${this.proxy.port}` : undefined,
      proxyPort: this.proxy?.port,
      active: this.active && publicInfo(this.active.info),
      candidate: this.candidate && { ...publicInfo(this.candidate.info), ...(this.candidate.proc.exit ? { exited: this.candidate.proc.exit } : {}) },
      restarts: this.state.restarts,
      lastExit: this.state.lastExit && { code: this.state.lastExit.code, signal: this.state.lastExit.signal, at: this.state.lastExit.at },
      failed: this.state.failed,
    };
  }

  get origins(): string[] {
    return this.state.origins;
  }

  get hosts(): string[] {
    return this.state.hosts ?? [];
  }

  startCandidate(spec: CandidateSpec, signal: AbortSignal): Promise<VersionInfo> {
    return this.serialized(() => this.doStartCandidate(spec, signal));
  }

  promoteCandidate(expect?: CandidateIdentity): Promise<void> {
    return this.serialized(() => this.doPromote(expect));
  }

  discardCandidate(): Promise<void> {
    return this.serialized(() => this.doDiscard());
  }

  setOrigins(origins: string[], hosts?: string[]): Promise<void> {
    return this.serialized(async () => {
      this.proxy?.setOrigins(origins);
      this.preview?.setOrigins(origins);
      this.state.origins = origins;
      if (hosts) {
        this.proxy?.setHosts(hosts);
        this.state.hosts = hosts;
      }
      await this.saveState();
    });
  }

  /**
   * Stops the apps and the proxy. `forget` (the stop request) records the stage as stopped;
   * without it (the daemon was signalled) the next daemon resumes the active version.
   */
  stop(forget: boolean): Promise<void> {
    return this.serialized(async () => {
      if (this.stopped) return;
      this.stopped = true;
      clearTimeout(this.restartTimer);
      const last = this.active?.info ?? this.state.active;
      await Promise.all([this.candidate?.proc.stop(this.graceMs), this.active?.proc.stop(this.graceMs)]);
      if (last) this.state.lastActive = { artifactId: last.artifactId, commit: last.commit };
      this.active = this.candidate = undefined;
      this.state.active = this.state.candidate = undefined;
      this.state.running = false;
      await this.closePreview();
      await this.databaseForwards.close();
      if (forget) this.state.desired = 'stopped';
      await this.proxy?.close().catch(err => this.opts.log(`closing the proxy: ${(err as Error).message}`));
      await this.saveState();
      if (forget) await writeRuntimeFile(this.paths.spec, {} satisfies SpecFile, 0o600);
      await this.appLog?.close();
      this.opts.log(`stage "${this.opts.stage}" stopped${forget ? '' : ' (will resume on next start)'}`);
    });
  }

  // ——— version changes (always run through `serialized`) ———

  private async doStartCandidate(spec: CandidateSpec, signal: AbortSignal): Promise<VersionInfo> {
    this.assertRunning();
    if (this.candidate) await this.doDiscard();
    maskSecrets(spec);

    if (this.network.kind === 'namespace') {
      // Its own network: any port is free in there, the same one in every stage and in blue and green.
      this.candidate = await this.launch(spec, spec.fixedPort ?? spec.expectedPort ?? ISOLATED_DEFAULT_PORT, spec.fixedPort !== undefined, signal, false);
      await this.openPreview(this.candidate);
      await this.saveState();
      return publicInfo(this.candidate.info);
    }

    let stopThenStart = false;
    let port: number;
    if (spec.fixedPort !== undefined) {
      port = spec.fixedPort;
      if (this.active?.port === port) stopThenStart = true;
      else if (await canConnect(port)) throw await this.portConflict(spec, port);
    } else {
      port = await freePort();
    }

    if (stopThenStart) await this.stopActiveForReplacement(spec, port);
    try {
      this.candidate = await this.launch(spec, port, spec.fixedPort !== undefined, signal, stopThenStart);
    } catch (err) {
      const inUse = err instanceof AddressInUse ? err.port : undefined;
      // The app binds a fixed port our own active version holds: the only way is stop-then-start.
      if (!stopThenStart && inUse !== undefined && inUse === this.active?.port) {
        await this.stopActiveForReplacement(spec, inUse);
        stopThenStart = true;
        try {
          this.candidate = await this.launch(spec, inUse, true, signal, true);
        } catch (retryErr) {
          throw await this.afterFailedReplacement(retryErr);
        }
      } else if (stopThenStart) {
        throw await this.afterFailedReplacement(err);
      } else if (inUse !== undefined) {
        throw await this.portConflict(spec, inUse, err as Error);
      } else {
        throw err instanceof AddressInUse ? err.cause : err;
      }
    }
    this.candidate.info.url = `http://${LOOPBACK}:${this.candidate.port}`;
    await this.saveState();
    return publicInfo(this.candidate.info);
  }

  private async doPromote(expect?: CandidateIdentity): Promise<void> {
    this.assertRunning();
    const next = this.candidate;
    if (!next) {
      throw new StagecraftError(`Stage "${this.opts.stage}" has no new version to promote.`, { kind: 'usage', hint: 'Start a candidate (deploy) first.' });
    }
    if (expect && (next.info.artifactId !== expect.artifactId || next.info.pid !== expect.pid || next.info.startedAt !== expect.startedAt)) {
      throw new StagecraftError(
        `The candidate of stage "${this.opts.stage}" is not the one this deploy started (it is ${next.info.commit.slice(0, 12)}, pid ${next.info.pid}, started by another operation); nothing was switched.`,
        { hint: 'Another deploy or apply changed the stage meanwhile; run the deploy again.' },
      );
    }
    await this.settle(next);
    if (!next.proc.alive) {
      const lines = next.proc.lastLines();
      const exit = next.proc.exit;
      const ran = exit ? ` ${((Date.parse(exit.at) - Date.parse(next.proc.startedAt)) / 1000).toFixed(1)} s after it started,` : '';
      await this.doDiscard();
      throw new StagecraftError(
        `The new version of stage "${this.opts.stage}" (${next.info.commit.slice(0, 12)}) exited (${exitText(exit)})${ran} before it could be promoted.${tailText(lines)}`,
        { hint: `The stage keeps ${this.active ? 'serving its previous version' : 'no version running'}. Its log is ${this.paths.appLog}.` },
      );
    }
    await this.proxy!.setUpstream(upstreamOf(next));
    await this.closePreview();
    const old = this.active;
    this.active = next;
    this.candidate = undefined;
    this.replaced = undefined;
    this.state.restarts = 0;
    this.state.failed = undefined;
    this.backoffIndex = 0;
    clearTimeout(this.restartTimer);
    next.proc.note(`now serves stage "${this.opts.stage}"${next.info.mode === 'stop-then-start' ? ' (stop-then-start deploy, not blue/green)' : ''}`);
    await this.saveSpec();
    await this.saveState();
    if (old && old.proc !== next.proc) {
      old.proc.note('replaced; stopping after its requests drained');
      await old.proc.stop(this.graceMs);
    }
  }

  /** Waits until the version has run MIN_UPTIME_BEFORE_SWITCH_MS, or has exited. */
  private async settle(v: Version): Promise<void> {
    const left = Date.parse(v.proc.startedAt) + MIN_UPTIME_BEFORE_SWITCH_MS - Date.now();
    if (left <= 0 || !v.proc.alive) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise(resolve => (timer = setTimeout(resolve, left))), v.proc.exited]);
    clearTimeout(timer);
  }

  private async doDiscard(): Promise<void> {
    const gone = this.candidate;
    this.candidate = undefined;
    await this.closePreview();
    if (gone) {
      gone.proc.note('discarded');
      await gone.proc.stop(this.graceMs);
    }
    if (this.replaced) await this.restoreReplaced();
    await this.saveState();
  }

  /**
   * Starts one version with PORT set and waits until it listens. Rejects (and leaves nothing
   * running) when it exits first, does not listen in time, or the caller goes away.
   */
  private async launch(spec: CandidateSpec, port: number, portFixed: boolean, signal: AbortSignal | undefined, stopThenStart: boolean): Promise<Version> {
    const socket = this.network.kind === 'namespace' ? unixSocketPath(this.paths.netDir, `v-${randomBytes(6).toString('hex')}.sock`) : undefined;
    const { proc, listening: found } = await this.spawn(spec, port, socket);
    proc.note(
      `starting artifact ${spec.artifactId.slice(0, 12)} ${socket ? `in its own network namespace, PORT=${port}` : `on port ${port}`}${stopThenStart ? ' (stop-then-start, not blue/green)' : ''}: ${spec.command.join(' ')}`,
    );
    let listening: number;
    try {
      const timeoutMs = spec.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
      listening = found ? await this.waitUntilBridged(proc, port, found, timeoutMs, signal) : await this.waitUntilListening(proc, port, timeoutMs, signal);
    } catch (err) {
      await proc.stop(this.graceMs);
      throw err;
    }
    if (socket && listening !== port) {
      proc.note(`the app ignores PORT=${port} and listens on ${listening}; in its own network namespace that is fine, blue/green still works.`);
    } else if (listening !== port) {
      portFixed = true;
      proc.note(
        `the app ignores PORT=${port} and listens on ${listening}; it cannot run beside another version on that port, so the next deploy will stop it first (not blue/green). Make it listen on process.env.PORT to get blue/green.`,
      );
    }
    const info: RecordedVersion = {
      artifactId: spec.artifactId,
      commit: spec.commit,
      port: listening,
      pid: proc.pid,
      startedAt: proc.startedAt,
      mode: stopThenStart ? 'stop-then-start' : 'blue-green',
      startTicks: await proc.startTicks(),
      ...(socket ? { isolated: true, socket } : {}),
    };
    return { spec, port: listening, portFixed, proc, info, socket };
  }

  /**
   * Starts the app's process: on the host's network with PORT, or (with `socket`) under
   * `unshare --net` behind the bridge, which reports on fd 3 the port the app listens on.
   */
  private async spawn(spec: CandidateSpec, port: number, socket: string | undefined): Promise<Spawned> {
    const label = versionLabel(spec.commit, spec.artifactId);
    const log = (stream: AppLogStream, text: string) => this.writeAppLog(label, stream, text);
    const network = this.network;
    if (!socket || network.kind !== 'namespace') {
      const proc = new AppProcess({ cwd: spec.cwd, command: spec.command, env: this.appEnv(spec, port) }, log);
      proc.onUnexpectedExit = exit => void this.onUnexpectedExit(proc, exit);
      return { proc };
    }
    await fs.mkdir(path.dirname(socket), { recursive: true, mode: 0o700 });
    await fs.rm(socket, { force: true });
    const forwards = await this.databaseForwards.argsFor(spec.env);
    const env = this.appEnv(spec, port);
    // The bridge is Node too: the app's NODE_OPTIONS must not load into it, so it travels under another name.
    if (env.NODE_OPTIONS !== undefined) {
      env.STAGECRAFT_APP_NODE_OPTIONS = env.NODE_OPTIONS;
      delete env.NODE_OPTIONS;
    }
    let reportPort: (port: number) => void = () => undefined;
    const listening = new Promise<number>(resolve => (reportPort = resolve));
    let proc: AppProcess | undefined;
    const control = (line: string) => {
      let message: { listening?: number; note?: string; netns?: boolean };
      try {
        message = JSON.parse(line) as typeof message;
      } catch {
        return;
      }
      if (typeof message.listening === 'number') reportPort(message.listening);
      if (typeof message.note === 'string') proc?.note(message.note);
      // Loopback is up in the new namespace: connect it to the outside, then let the app start.
      if (message.netns && proc) {
        const p = proc;
        void connectOutbound(p, network.slirp4netns).finally(() => p.send(JSON.stringify({ start: true })));
      }
    };
    const command = [
      ...network.unshare,
      process.execPath,
      network.bridge,
      '--ip',
      network.ip,
      '--socket',
      socket,
      '--port',
      String(port),
      ...forwards.flatMap(f => ['--forward', f]),
      '--wait-start',
      '--',
      ...spec.command,
    ];
    proc = new AppProcess({ cwd: spec.cwd, command, env, control }, log);
    const started = proc;
    started.onUnexpectedExit = exit => void this.onUnexpectedExit(started, exit);
    return { proc, listening };
  }

  /** An isolated version: waits for its bridge to say the app listens (and serves the Unix socket). */
  private async waitUntilBridged(proc: AppProcess, port: number, listening: Promise<number>, timeoutMs: number, signal: AbortSignal | undefined): Promise<number> {
    let found: number | undefined;
    void listening.then(p => (found = p));
    const started = Date.now();
    for (;;) {
      if (found !== undefined) return found;
      if (signal?.aborted) throw StagecraftError.cancelled(`Starting the new version of stage "${this.opts.stage}"`);
      if (!proc.alive) throw await this.earlyExit(proc, port);
      if (Date.now() - started > timeoutMs) {
        throw new StagecraftError(
          `The new version of stage "${this.opts.stage}" did not listen on port ${port} (its PORT), nor on any one other port, within ${Math.round(timeoutMs / 1000)} s (it runs in its own network namespace).${tailText(proc.lastLines())}`,
          { hint: `Make the app listen on process.env.PORT (or on one fixed port). The stage keeps ${this.active ? 'serving its previous version' : 'no version running'}.` },
        );
      }
      await sleep(25);
    }
  }

  /** An isolated candidate answers nowhere on the host: its health checks go through a proxy of its own, with the stage's rules. */
  private async openPreview(v: Version): Promise<void> {
    await this.closePreview();
    if (!v.socket) {
      v.info.url = `http://${LOOPBACK}:${v.port}`;
      return;
    }
    const preview = new StageProxy({ stage: this.opts.stage, host: LOOPBACK, port: 0, origins: this.state.origins, accessLog: this.paths.candidateAccessLog, maxAccessLogBytes: 1024 * 1024 });
    await preview.listen();
    await preview.setUpstream(upstreamOf(v));
    this.preview = preview;
    v.info.url = `http://${LOOPBACK}:${preview.port}`;
  }

  private async closePreview(): Promise<void> {
    const preview = this.preview;
    this.preview = undefined;
    if (this.candidate) this.candidate.info.url = undefined;
    await preview?.close().catch(err => this.opts.log(`closing the candidate's address: ${(err as Error).message}`));
  }

  private async waitUntilListening(proc: AppProcess, port: number, timeoutMs: number, signal: AbortSignal | undefined): Promise<number> {
    const started = Date.now();
    let nextLook = started + ADOPT_AFTER_MS;
    let otherPorts: number[] = [];
    for (;;) {
      if (signal?.aborted) throw StagecraftError.cancelled(`Starting the new version of stage "${this.opts.stage}"`);
      if (!proc.alive) throw await this.earlyExit(proc, port);
      if (await canConnect(port, LOOPBACK, 250)) return port;
      if (Date.now() >= nextLook && process.platform === 'linux') {
        // One other port, seen on two looks in a row: the app's fixed port (not a side port it opened first).
        const seen = (await listeningPortsOfGroup(proc.pid)).filter(p => p !== port);
        if (seen.length === 1 && otherPorts.length === 1 && seen[0] === otherPorts[0]) return seen[0];
        otherPorts = seen;
        nextLook = Date.now() + 500;
      }
      if (Date.now() - started > timeoutMs) {
        const where = otherPorts.length > 0 ? ` It listens on ${otherPorts.join(', ')} instead.` : '';
        throw new StagecraftError(
          `The new version of stage "${this.opts.stage}" did not listen on port ${port} (its PORT) within ${Math.round(timeoutMs / 1000)} s.${where}${tailText(proc.lastLines())}`,
          { hint: `Make the app listen on process.env.PORT. The stage keeps ${this.active ? 'serving its previous version' : 'no version running'}.` },
        );
      }
      await sleep(50);
    }
  }

  private async earlyExit(proc: AppProcess, port: number): Promise<Error> {
    const exit = await proc.exited;
    const lines = proc.lastLines();
    const inUse = portFromAddressInUse(lines.join('\n'));
    const what = proc.spawnError
      ? `could not be started: ${proc.spawnError}.`
      : `exited during start (${exitText(exit)}) before listening on port ${port}.${tailText(lines)}`;
    const error = new StagecraftError(`The new version of stage "${this.opts.stage}" ${what}`, {
      hint: `${proc.spawnError ? 'Check the start command (CMD/ENTRYPOINT) and that its program is installed.' : `Fix the start command or the app; the full log is ${this.paths.appLog}.`} The stage keeps ${this.active ? 'serving its previous version' : 'no version running'}.`,
    });
    return inUse !== undefined ? new AddressInUse(inUse, error) : error;
  }

  private async portConflict(spec: CandidateSpec, port: number, cause?: Error): Promise<StagecraftError> {
    const holder = await findPortHolder(this.opts.root, port);
    const who = describePortHolder(holder);
    const other = holder.kind === 'stage' ? ` or stop stage "${holder.stage}"` : ' or stop that program';
    return new StagecraftError(
      `Stage "${this.opts.stage}" cannot start ${spec.commit.slice(0, 12) || spec.artifactId.slice(0, 12)}: the app binds port ${port}, which ${who} holds.`,
      {
        kind: 'input',
        hint: `Two stages cannot share a fixed port. Make the app listen on process.env.PORT${other}. The stage keeps ${this.active ? 'serving its previous version' : 'no version running'}.`,
        cause,
      },
    );
  }

  private async stopActiveForReplacement(spec: CandidateSpec, port: number): Promise<void> {
    const old = this.active;
    if (!old) return;
    old.proc.note(`stop-then-start deploy: the new version (${versionLabel(spec.commit, spec.artifactId)}) binds fixed port ${port}, held by this version; stopping it first. This deploy is NOT blue/green: the stage serves nothing until the new version is up.`);
    clearTimeout(this.restartTimer);
    this.replaced = { spec: old.spec, port: old.port, portFixed: old.portFixed };
    this.active = undefined;
    await old.proc.stop(this.graceMs);
    await this.saveState();
  }

  /** After a failed stop-then-start: bring the stopped version back, and say so in the error. */
  private async afterFailedReplacement(err: unknown): Promise<unknown> {
    if (!this.replaced) return err;
    const restored = await this.restoreReplaced().then(
      () => true,
      (restoreErr: Error) => {
        this.opts.log(`could not restart the previous version: ${restoreErr.message}`);
        return false;
      },
    );
    await this.saveState();
    if (!(err instanceof Error)) return err;
    const base = err instanceof AddressInUse ? err.cause : err;
    const note = restored ? ' The previous version was started again and serves the stage.' : ' The previous version could not be started again: the stage serves nothing.';
    return new StagecraftError(`${base.message}\n(Stop-then-start deploy, not blue/green.)${note}`, {
      kind: base instanceof StagecraftError ? base.kind : 'failure',
      hint: base instanceof StagecraftError ? base.hint : undefined,
      cause: base,
    });
  }

  private async restoreReplaced(): Promise<void> {
    const back = this.replaced;
    if (!back) return;
    this.replaced = undefined;
    const version = await this.launch(back.spec, back.port, back.portFixed, undefined, false);
    this.active = version;
    version.proc.note('restarted: the version that replaced it did not make it');
    await this.proxy!.setUpstream(upstreamOf(version));
  }

  /** After the daemon itself restarted: bring back the version that was serving. */
  private async resume(): Promise<void> {
    const saved = await readSpec(this.paths.spec);
    if (!saved.active || this.stopped || this.active) return;
    const { spec, portFixed } = saved.active;
    // A new daemon process has an empty redactor: the saved spec says what to mask again.
    maskSecrets(spec);
    // In its own network namespace the port it listened on is free again whatever it was.
    const port = portFixed || this.network.kind === 'namespace' ? saved.active.port : await freePort();
    try {
      this.active = await this.launch(spec, port, portFixed, undefined, false);
      this.active.proc.note('resumed after the stage runtime restarted');
      await this.proxy!.setUpstream(upstreamOf(this.active));
    } catch (err) {
      this.opts.log(`could not resume the active version: ${(err as Error).message}`);
    }
    await this.saveState();
  }

  // ——— crashes ———

  private async onUnexpectedExit(proc: AppProcess, exit: AppExit): Promise<void> {
    await proc.reapGroup();
    if (this.stopped) return;
    if (this.candidate?.proc === proc) {
      proc.note(`the new version exited (${exitText(exit)}) before promotion`);
      return;
    }
    if (this.active?.proc !== proc) return;
    const ranMs = Date.parse(exit.at) - Date.parse(proc.startedAt);
    if (ranMs >= STABLE_AFTER_MS) this.backoffIndex = 0;
    const delay = BACKOFF_MS[Math.min(this.backoffIndex, BACKOFF_MS.length - 1)];
    this.backoffIndex++;
    this.state.lastExit = { ...exit, commit: this.active.info.commit };
    this.state.crashes = [...this.state.crashes, this.state.lastExit].slice(-MAX_CRASHES_KEPT);
    if (this.backoffIndex > MAX_RESTARTS_IN_A_ROW) {
      const reason = `the app crashed ${this.backoffIndex} times in a row (last: ${exitText(exit)}); not restarted again. Its log is ${this.paths.appLog}; deploy to start it again.`;
      this.state.failed = { at: exit.at, reason };
      proc.note(`crashed (${exitText(exit)}); ${reason}`);
      this.opts.log(`active version ${this.active.info.commit.slice(0, 12)}: ${reason}`);
      await this.saveState();
      return;
    }
    this.state.restarts++;
    proc.note(`crashed (${exitText(exit)}); restart #${this.state.restarts} in ${delay} ms`);
    this.opts.log(`active version ${this.active.info.commit.slice(0, 12)} crashed (${exitText(exit)}); restarting in ${delay} ms`);
    await this.saveState();
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => void this.serialized(() => this.restartActive(proc)), delay);
  }

  /** Starts the crashed version again on its port; the proxy keeps pointing there. */
  private async restartActive(crashed: AppProcess): Promise<void> {
    const current = this.active;
    if (this.stopped || !current || current.proc !== crashed) return;
    // An isolated version comes back in a new namespace behind the same socket, so the proxy needs no change.
    const { proc } = await this.spawn(current.spec, current.port, current.socket);
    proc.note(`restarting on port ${current.port} (restart #${this.state.restarts})`);
    this.active = { ...current, proc, info: { ...current.info, pid: proc.pid, startedAt: proc.startedAt, startTicks: await proc.startTicks() } };
    await this.saveState();
  }

  // ——— plumbing ———

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private assertRunning(): void {
    if (this.stopped) throw new StagecraftError(`The runtime of stage "${this.opts.stage}" is stopping.`, { kind: 'unavailable', hint: 'Try again; a new runtime starts on demand.' });
  }

  private appEnv(spec: CandidateSpec, port: number): Record<string, string> {
    const env: Record<string, string> = {};
    for (const name of INHERITED_ENV) {
      const value = process.env[name];
      if (value !== undefined) env[name] = value;
    }
    return { ...env, STAGE_NAME: this.opts.stage, COMMIT_HASH: spec.commit, ...spec.env, PORT: String(port) };
  }

  private writeAppLog(label: string, stream: AppLogStream, text: string): void {
    this.appLog?.write(formatAppLogLine(new Date(), label, stream, redactor.redact(text)));
  }

  private async openProxy(preferredPort: number | undefined): Promise<StageProxy> {
    const make = (port: number) =>
      new StageProxy({ stage: this.opts.stage, host: LOOPBACK, port, origins: this.opts.origins, hosts: this.opts.hosts, accessLog: this.paths.accessLog, maxAccessLogBytes: 10 * 1024 * 1024 });
    if (preferredPort) {
      const proxy = make(preferredPort);
      try {
        await proxy.listen();
        return proxy;
      } catch (err) {
        this.opts.log(`the stage's previous port ${preferredPort} is taken (${(err as Error).message}); using a new one`);
        await proxy.close().catch(() => undefined);
      }
    }
    const proxy = make(0);
    await proxy.listen();
    return proxy;
  }

  /** Ends app processes a dead daemon left behind (only if they are still the very same processes). */
  private async endOrphans(previous: RuntimeStateFile): Promise<void> {
    for (const v of [previous.active, previous.candidate]) {
      if (!v || !(await isSameProcess(v.pid, v.startTicks))) continue;
      this.opts.log(`ending version ${v.commit.slice(0, 12)} (pid ${v.pid}) left by the previous runtime`);
      signalGroupOnly(v.pid, 'SIGTERM');
      const deadline = Date.now() + this.graceMs;
      while (Date.now() < deadline && (await isSameProcess(v.pid, v.startTicks))) await sleep(50);
      if (await isSameProcess(v.pid, v.startTicks)) signalGroupOnly(v.pid, 'SIGKILL');
    }
  }

  private saveState(): Promise<void> {
    this.state.active = this.active?.info;
    this.state.candidate = this.candidate?.info;
    if (this.active || this.candidate) this.state.desired = 'running';
    if (this.active) this.state.lastActive = { artifactId: this.active.info.artifactId, commit: this.active.info.commit };
    this.state.updatedAt = new Date().toISOString();
    const snapshot = JSON.parse(JSON.stringify(this.state)) as RuntimeStateFile;
    this.stateWrite = this.stateWrite.then(() => writeRuntimeFile(this.paths.state, snapshot)).catch(err => this.opts.log(`writing state.json: ${(err as Error).message}`));
    return this.stateWrite;
  }

  private saveSpec(): Promise<void> {
    const a = this.active;
    const file: SpecFile = a ? { active: { spec: a.spec, port: a.port, portFixed: a.portFixed } } : {};
    return writeRuntimeFile(this.paths.spec, file, 0o600);
  }
}

/** An early exit whose output names a port already in use. */
class AddressInUse extends Error {
  constructor(
    readonly port: number,
    override readonly cause: Error,
  ) {
    super(cause.message);
  }
}

function publicInfo(info: RecordedVersion): VersionInfo {
  return {
    artifactId: info.artifactId,
    commit: info.commit,
    port: info.port,
    pid: info.pid,
    startedAt: info.startedAt,
    mode: info.mode,
    ...(info.isolated ? { isolated: true } : {}),
    ...(info.url ? { url: info.url } : {}),
  };
}

/** Where the stage's proxy sends requests for a version. */
function upstreamOf(v: Version): UpstreamAddress {
  return v.socket ? { host: LOOPBACK, port: v.port, socketPath: v.socket } : { host: LOOPBACK, port: v.port };
}

function exitText(exit: AppExit | undefined): string {
  if (!exit) return 'still running';
  if (exit.signal) return `signal ${exit.signal}`;
  return exit.code === null ? 'could not start' : `code ${exit.code}`;
}

function tailText(lines: string[]): string {
  return lines.length > 0 ? `\nLast lines of its output:\n${lines.map(l => `  ${redactor.redact(l)}`).join('\n')}` : ' It wrote nothing.';
}

async function readSpec(file: string): Promise<SpecFile> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as SpecFile;
  } catch {
    return {};
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}
