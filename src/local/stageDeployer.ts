import { promises as fs } from 'node:fs';
import { isCancelled, StagecraftError } from '../core/errors';
import type { Stack, Stage } from '../core/model';
import { runHttpChecks, syntheticChecks } from '../core/pipeline';
import type { StepOutcome } from '../core/pipeline';
import type { BuiltArtifact } from './artifact';
import { ensureStageDatabase } from './database';
import { connectStageRuntime, type StageRuntime, type VersionInfo } from './runtime/client';
import { parseAppLogLine, versionLabel } from './runtime/appLogFormat';
import { runtimePaths } from './runtime/paths';
import { waitForHttp } from './runtime/waitForHttp';
import { stageEnvironment } from './stageEnv';

/**
 * The blue/green steps of a local deploy, shared by the pipeline's stage steps and by the
 * provider's own redeploys (env change, password rotation): start the new version beside the
 * old one, check it on its own port, then switch the stage's proxy to it — or discard it.
 */
export interface Candidate {
  runtime: StageRuntime;
  version: VersionInfo;
  /** The candidate's own address, before the switch. */
  url: string;
  previous?: { commit: string; artifactId: string };
}

export interface DeployContext {
  signal?: AbortSignal;
  log?: (line: string) => void;
}

const HEALTH_TIMEOUT_MS = 30_000;

/**
 * The Dockerfile decides how the service starts (README: "build and start"); `service.start` is
 * used only when it has no CMD or ENTRYPOINT.
 */
function startCommand(stack: Stack, artifact: BuiltArtifact): string[] {
  if (artifact.manifest.command.length > 0 || !stack.service.start) return artifact.manifest.command;
  return ['/bin/sh', '-c', stack.service.start];
}

export async function openRuntime(stack: Stack, stage: Stage, ctx: DeployContext, start: boolean): Promise<StageRuntime | undefined> {
  return connectStageRuntime(stack.root, stage.name, { origins: stage.origins, hosts: stage.hosts, signal: ctx.signal, start });
}

export async function startCandidate(stack: Stack, stage: Stage, artifact: BuiltArtifact, commit: string, ctx: DeployContext): Promise<Candidate> {
  if (stage.database === 'postgres') {
    const db = await ensureStageDatabase(stack.root, stage.name, { signal: ctx.signal, log: ctx.log });
    ctx.log?.(`database: PostgreSQL on 127.0.0.1:${db.port}, database "${db.database}"`);
  }
  const runtime = (await openRuntime(stack, stage, ctx, true))!;
  const before = await runtime.status();
  const { env, secretNames } = await stageEnvironment(stack, stage, artifact.manifest.env, commit);
  ctx.log?.(`starting ${commit.slice(0, 8)} (artifact ${artifact.id.slice(0, 12)}) beside ${before.active ? before.active.commit.slice(0, 8) : 'nothing'}`);
  const version = await runtime.startCandidate({ artifactId: artifact.id, commit, cwd: artifact.appDir, command: startCommand(stack, artifact), env, secretEnv: secretNames, expectedPort: stack.service.port });
  if (version.mode === 'stop-then-start') {
    ctx.log?.(`the app binds a fixed port, so the old version was stopped first: this deploy is stop-then-start, not blue/green`);
  }
  const url = version.url ?? `http://127.0.0.1:${version.port}`;
  ctx.log?.(
    version.isolated
      ? `candidate pid ${version.pid} listening on port ${version.port} in its own network namespace; checked at ${url}`
      : `candidate pid ${version.pid} listening on 127.0.0.1:${version.port}`,
  );
  return {
    runtime,
    version,
    url,
    previous: before.active ? { commit: before.active.commit, artifactId: before.active.artifactId } : undefined,
  };
}

/**
 * GETs the candidate's health path until it answers 2xx. The candidate is watched meanwhile: one
 * that exits fails the step at once (with its last output), not after the whole timeout.
 */
export async function checkHealth(stack: Stack, stage: Stage, url: string, ctx: DeployContext): Promise<StepOutcome> {
  const runtime = await openRuntime(stack, stage, ctx, false);
  const crashed = new AbortController();
  let exited: VersionInfo | undefined;
  let previous: VersionInfo | undefined;
  const watch = setInterval(() => {
    void runtime?.status().then(
      s => {
        previous = s.active;
        if (s.candidate?.exited && !crashed.signal.aborted) {
          exited = s.candidate;
          crashed.abort();
        }
      },
      () => undefined,
    );
  }, CRASH_POLL_MS);
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, crashed.signal]) : crashed.signal;
  try {
    const ready = await waitForHttp(`${url}${stack.service.healthCheck}`, {
      timeoutMs: healthTimeoutMs(),
      signal,
      expectStatus: status => status >= 200 && status < 300,
      what: `the health check of stage "${stage.name}" (GET ${stack.service.healthCheck})`,
    });
    return { status: 'succeeded', summary: `GET ${stack.service.healthCheck} answered ${ready.status} after ${ready.elapsedMs} ms` };
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
    if (!exited) throw await withHealthPathHint(err, url, stack.service.healthCheck);
    throw await candidateExited(stack.root, stage, exited, previous);
  } finally {
    clearInterval(watch);
  }
}

const CRASH_POLL_MS = 200;

/** Paths apps commonly answer for health; probed when the configured one never answers 2xx. */
export const HEALTH_CANDIDATES = ['/health', '/healthz', '/healthy', '/ping', '/status', '/'];

/** When another common path answers 2xx, the error says so, as the fix to make in stagecraft.yaml. */
export async function withHealthPathHint(err: unknown, url: string, configured: string): Promise<unknown> {
  // Only a path the app does not know (404) suggests another one; a 500 is the app's own verdict.
  if (!(err instanceof StagecraftError) || !/last answer HTTP 404\b/.test(err.message)) return err;
  for (const candidate of HEALTH_CANDIDATES.filter(c => c !== configured)) {
    const answered = await waitForHttp(`${url}${candidate}`, { timeoutMs: 1500, expectStatus: s => s >= 200 && s < 300, what: `GET ${candidate}` }).catch(() => undefined);
    if (answered) {
      return new StagecraftError(`${err.message} GET ${candidate} answers ${answered.status}: the app's health path is probably ${candidate}.`, {
        kind: err.kind,
        cause: err,
        hint: `Set \`healthCheck: ${candidate}\` under service: in stagecraft.yaml, commit, and run the pipeline again.`,
      });
    }
  }
  return err;
}

/** 30 s; STAGECRAFT_HEALTH_TIMEOUT_MS changes it (CI machines, tests of a health check that never passes). */
function healthTimeoutMs(): number {
  const fromEnv = Number(process.env.STAGECRAFT_HEALTH_TIMEOUT_MS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : HEALTH_TIMEOUT_MS;
}

async function candidateExited(root: string, stage: Stage, version: VersionInfo, previous: VersionInfo | undefined): Promise<StagecraftError> {
  const exit = version.exited!;
  const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
  const ran = ((Date.parse(exit.at) - Date.parse(version.startedAt)) / 1000).toFixed(1);
  const lines = await appOutputTail(root, stage.name, versionLabel(version.commit, version.artifactId));
  const tail = lines.length ? ` Its last output: ${lines.join(' | ')}.` : ' It wrote nothing.';
  const keeps = previous ? `${stage.name} keeps serving ${previous.commit.slice(0, 8)}` : `${stage.name} had no earlier version running`;
  return new StagecraftError(`The new version of stage "${stage.name}" (${version.commit.slice(0, 8)}) exited (${how}) ${ran} s after it started, during the health check.${tail}`, {
    hint: `${keeps}. Fix the crash (the full log is ${runtimePaths(root, stage.name).appLog}), commit, and run the pipeline again.`,
  });
}

/** The last lines the version wrote to the stage's app.log (stdout and stderr). */
async function appOutputTail(root: string, stage: string, label: string, count = 5): Promise<string[]> {
  const file = runtimePaths(root, stage).appLog;
  let text = '';
  try {
    const handle = await fs.open(file, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(length);
      await handle.read(buf, 0, length, size - length);
      text = buf.toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map(parseAppLogLine)
    .filter(l => l !== undefined && l.version === label && l.stream !== 'stagecraft')
    .slice(-count)
    .map(l => l!.text.slice(0, 300));
}

export async function runSyntheticChecks(stack: Stack, url: string, ctx: DeployContext): Promise<StepOutcome> {
  const outcome = await runHttpChecks(url, syntheticChecks(stack.service), { signal: ctx.signal, log: ctx.log, timeoutMs: 10_000 });
  return { status: outcome.status, summary: outcome.summary };
}

/** Blue/green in one go, for redeploys outside a pipeline run. The old version keeps serving on any failure. */
export async function deployArtifact(stack: Stack, stage: Stage, artifact: BuiltArtifact, commit: string, ctx: DeployContext): Promise<string> {
  const candidate = await startCandidate(stack, stage, artifact, commit, ctx);
  try {
    await checkHealth(stack, stage, candidate.url, ctx);
    const synthetic = await runSyntheticChecks(stack, candidate.url, ctx);
    if (synthetic.status === 'failed') throw new StagecraftError(`Stage "${stage.name}": ${synthetic.summary}`);
  } catch (err) {
    await candidate.runtime.discardCandidate().catch(() => undefined);
    const keeps = candidate.previous ? ` ${stage.name} keeps serving ${candidate.previous.commit.slice(0, 8)}.` : '';
    throw new StagecraftError(`Deploy to "${stage.name}" rolled back: ${(err as Error).message}.${keeps}`, { cause: err, cancelled: isCancelled(err) });
  }
  await candidate.runtime.promoteCandidate({ artifactId: candidate.version.artifactId, pid: candidate.version.pid, startedAt: candidate.version.startedAt });
  const status = await candidate.runtime.status();
  return status.url ?? candidate.url;
}
