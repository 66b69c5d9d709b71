import type { Build, BuildPhase } from '@aws-sdk/client-codebuild';
import { isCancelled, StagecraftError } from '../../core/errors';
import type { AwsClients } from '../clients';
import { sleep } from '../wait';
import { BuildLogReader } from './buildLog';

export interface FollowBuildRequest {
  buildId: string;
  /** Names the build in lines and errors: "shop/build". */
  label: string;
  /** What is being built, for errors: "the image of commit 0123456789ab". */
  what: string;
  /** Phase changes and notices, one line each. */
  log?: (line: string) => void;
  /** Lines of the build's own log (CloudWatch), in order, each once. */
  onLogLine?: (line: string) => void;
  signal?: AbortSignal;
  /** First polling interval (default 2 s); it grows ×1.5 up to `maxPollMs` (default 10 s) while nothing changes. */
  pollMs?: number;
  maxPollMs?: number;
  /** Gives up (and stops the build) after this long (default 40 min: the project's 30 min plus time in the queue). */
  timeoutMs?: number;
}

export const FOLLOW_DEFAULTS = { pollMs: 2_000, maxPollMs: 10_000, timeoutMs: 40 * 60_000 };

/** Phase statuses that end a build without an image. */
const PHASE_FAILED = new Set(['FAILED', 'FAULT', 'TIMED_OUT', 'STOPPED']);

/**
 * Follows a CodeBuild build until it ends: BatchGetBuilds polled with backoff (nothing polled once
 * it has ended), each phase logged once as it starts, and the build's log lines passed on as they
 * arrive. Resolves with the finished build when it succeeded; a failed build is an error naming
 * the failing phase and its reason, with the log's link. Cancelling or giving up stops the build.
 */
export async function followBuild(clients: AwsClients, req: FollowBuildRequest): Promise<Build> {
  const cbm = await import('@aws-sdk/client-codebuild');
  const cb = await clients.codeBuild();
  const base = req.pollMs ?? FOLLOW_DEFAULTS.pollMs;
  const max = Math.max(base, req.maxPollMs ?? FOLLOW_DEFAULTS.maxPollMs);
  const timeoutMs = req.timeoutMs ?? FOLLOW_DEFAULTS.timeoutMs;
  const deadline = Date.now() + timeoutMs;
  const logLine = req.onLogLine ?? req.log;
  const reader = new BuildLogReader(clients, { action: req.label, signal: req.signal, onNotice: m => req.log?.(`${req.label}: ${m}`) });
  const phasesSeen = new Set<string>();
  let last: Build | undefined;

  const readLog = async (build: Build): Promise<boolean> => {
    const { groupName, streamName } = build.logs ?? {};
    if (!groupName || !streamName || !logLine) return false;
    const lines = await reader.read(groupName, streamName);
    for (const line of lines) logLine(line);
    return lines.length > 0;
  };

  try {
    let wait = base;
    for (;;) {
      const out = await clients.call(`${req.label}: read build ${req.buildId}`, req.signal, o => cb.send(new cbm.BatchGetBuildsCommand({ ids: [req.buildId] }), o));
      const build = out.builds?.find(b => b.id === req.buildId);
      if (!build) throw new StagecraftError(`${req.label}: CodeBuild does not know build ${req.buildId} (${out.buildsNotFound?.length ? 'not found' : 'no answer'}).`, { hint: 'Open the project in the CodeBuild console.' });
      last = build;
      let news = false;
      for (const phase of build.phases ?? []) {
        const type = phase.phaseType;
        if (!type || type === 'SUBMITTED' || type === 'COMPLETED' || phasesSeen.has(type)) continue;
        phasesSeen.add(type);
        news = true;
        req.log?.(`${req.label}: ${type}`);
      }
      if (await readLog(build)) news = true;

      if (isFinished(build)) {
        // Lines reach CloudWatch a moment after they are written: one more read after a pause
        // (CodeBuild itself is not asked again).
        if (build.logs?.groupName && build.logs.streamName && logLine) {
          await sleep(Math.min(base, 2_000), req.signal);
          await readLog(build);
        }
        if (build.buildStatus === 'SUCCEEDED') {
          req.log?.(`${req.label}: build ${req.buildId} succeeded${duration(build)}`);
          return build;
        }
        throw buildFailure(build, req);
      }

      const left = deadline - Date.now();
      if (left <= 0) {
        await stopBuild(clients, req);
        throw new StagecraftError(`${req.label}: the build of ${req.what} did not finish within ${formatSeconds(timeoutMs / 1000)} (phase ${build.currentPhase ?? 'unknown'}); build ${req.buildId} was stopped.`, {
          hint: hintWithLink(build, 'The build may be waiting in the queue or stuck; look at it in CodeBuild, then deploy again.'),
        });
      }
      wait = news ? base : Math.min(Math.round(wait * 1.5), max);
      await sleep(Math.min(wait, left), req.signal);
    }
  } catch (err) {
    if (req.signal?.aborted || isCancelled(err)) {
      if (!last || !isFinished(last)) await stopBuild(clients, req);
      throw StagecraftError.cancelled(`${req.label}: the build of ${req.what}`);
    }
    throw err;
  }
}

function isFinished(build: Build): boolean {
  return build.buildComplete === true || (build.buildStatus !== undefined && build.buildStatus !== 'IN_PROGRESS');
}

/** Stops the build: it must not keep running (and pushing) after the user cancelled or gave up. */
async function stopBuild(clients: AwsClients, req: FollowBuildRequest): Promise<void> {
  const { StopBuildCommand } = await import('@aws-sdk/client-codebuild');
  const cb = await clients.codeBuild();
  try {
    // Not with the caller's signal: it has fired, and the stop must still be sent.
    await clients.call(`${req.label}: stop build ${req.buildId}`, undefined, o => cb.send(new StopBuildCommand({ id: req.buildId }), o));
    req.log?.(`${req.label}: build ${req.buildId} stopped`);
  } catch (err) {
    req.log?.(`${req.label}: could not stop build ${req.buildId}: ${(err as Error).message} — stop it in the CodeBuild console.`);
  }
}

/** The first phase that did not succeed, and what CodeBuild says about it. */
export function failingPhase(build: Build): { phase?: BuildPhase; reason: string } {
  const phase = build.phases?.find(p => p.phaseStatus && PHASE_FAILED.has(p.phaseStatus));
  const reason = (phase?.contexts ?? [])
    .map(c => [c.statusCode, c.message?.trim()].filter(Boolean).join(': '))
    .filter(Boolean)
    .join('; ');
  return { phase, reason };
}

function buildFailure(build: Build, req: FollowBuildRequest): StagecraftError {
  const { phase, reason } = failingPhase(build);
  const status = build.buildStatus ?? 'UNKNOWN';
  const how = status === 'TIMED_OUT' ? 'timed out' : status === 'STOPPED' ? 'was stopped' : status === 'FAULT' ? 'failed (a CodeBuild fault)' : 'failed';
  const where = phase?.phaseType ?? build.currentPhase;
  const message = `${req.label}: the build of ${req.what} ${how}${where ? ` in phase ${where}` : ''}${reason ? `: ${reason}` : ''} (build ${req.buildId}).`;
  const next =
    status === 'STOPPED'
      ? 'It was stopped outside Stagecraft (console or another user); deploy again to build it.'
      : status === 'FAULT'
        ? 'CodeBuild failed on its side; deploy again.'
        : 'Fix what the build log shows, commit, and deploy again.';
  return new StagecraftError(message, { hint: hintWithLink(build, next) });
}

function hintWithLink(build: Build, next: string): string {
  const link = build.logs?.deepLink;
  return link ? `${next} Build log: ${link}` : next;
}

function duration(build: Build): string {
  if (!build.startTime || !build.endTime) return '';
  return ` in ${formatSeconds((build.endTime.getTime() - build.startTime.getTime()) / 1000)}`;
}

function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  return s % 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s / 60} min`;
}
