import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StagecraftError } from '../errors';
import { writeJsonExclusive } from '../jsonFile';
import { HEARTBEAT_FILE, isHeartbeatAlive, readHeartbeat, type Heartbeat } from './heartbeat';
import { readRun, runDir } from './store';
import type { RunRecord, StepExecutor, StepRecord } from './types';

/**
 * Gets a recorded run ready to go on in this process: claims it (so two windows cannot resume
 * it at once), then resets every step from the first one that did not succeed. The artifact is
 * not built again while the executor still has it. A stage cut off between deploy and promote
 * starts again at deploy, because the candidate it was checking may be gone.
 */
export async function prepareResume(root: string, runId: string, executor: StepExecutor): Promise<{ run: RunRecord; from: number }> {
  const run = await readRun(root, runId);
  if (run.status === 'running' || run.status === 'awaiting-approval') throw stillLive(run);
  if (run.status === 'succeeded') {
    throw new StagecraftError(`Run ${runId} already succeeded; there is nothing to resume.`, { kind: 'input', hint: 'Start a new run to deploy again.' });
  }
  let from = run.steps.findIndex(s => !isDone(s));
  if (from < 0) from = run.steps.length;
  from = restartPointOfStage(run.steps, from);
  const built = run.steps.findIndex(s => s.kind === 'artifact');
  if (run.artifact && from > built && executor.artifactExists && !(await executor.artifactExists(run.artifact))) {
    if (built < 0) {
      throw new StagecraftError(`Run ${runId} promotes artifact ${run.artifact.id}, which no longer exists.`, { kind: 'failure', hint: 'Start a new run to build it again.' });
    }
    from = built;
  }
  await claim(runDir(root, runId), run);

  const reset = run.steps.slice(from);
  for (const step of reset) resetStep(step);
  for (const stage of new Set(reset.map(s => s.stage).filter((s): s is string => !!s))) {
    const rec = run.stageRecords[stage];
    if (rec && rec.status !== 'serving') run.stageRecords[stage] = { stage, status: 'pending' };
  }
  if (from <= built) delete run.artifact;
  const resetIds = new Set(reset.map(s => s.id));
  run.warnings = run.warnings.filter(w => !resetIds.has(w.slice(0, w.indexOf(': '))));
  run.status = 'running';
  for (const key of ['outcome', 'endedAt', 'durationMs', 'rollback'] as const) delete run[key];
  run.resumes = [...(run.resumes ?? []), new Date().toISOString()];
  return { run, from };
}

function isDone(step: StepRecord): boolean {
  return step.status === 'succeeded' || step.status === 'warning' || step.status === 'skipped';
}

const AFTER_DEPLOY = new Set(['health', 'synthetic', 'promote']);

function restartPointOfStage(steps: StepRecord[], from: number): number {
  const step = steps[from];
  if (!step || !AFTER_DEPLOY.has(step.kind)) return from;
  const deploy = steps.findIndex(s => s.stage === step.stage && s.kind === 'deploy');
  return deploy >= 0 && deploy < from ? deploy : from;
}

function resetStep(step: StepRecord): void {
  const waiting = step.kind === 'approval' && step.status === 'awaiting-approval' && step.approval && !step.approval.decision;
  step.status = 'pending';
  for (const key of ['startedAt', 'endedAt', 'durationMs', 'summary', 'outputs'] as const) delete step[key];
  // An approval cut off while waiting keeps its request (its deadline, and any decision made
  // meanwhile); one that was rejected or timed out asks again.
  if (!waiting) delete step.approval;
}

/**
 * Takes the run over: moves a dead owner's heartbeat aside (a rename only one process wins),
 * then creates ours only if nobody else has (a hard link fails when the name is taken).
 */
async function claim(dir: string, run: RunRecord): Promise<void> {
  const file = path.join(dir, HEARTBEAT_FILE);
  const old = await readHeartbeat(dir);
  if (old) {
    if (isHeartbeatAlive(old)) throw stillLive(run, old);
    const aside = `${file}.${process.pid}.stale`;
    await fs.rename(file, aside).then(
      () => fs.rm(aside, { force: true }),
      () => undefined, // someone else moved it first; the exclusive create below decides
    );
  }
  const mine: Heartbeat = { pid: process.pid, host: os.hostname(), at: new Date().toISOString() };
  if (!(await writeJsonExclusive(file, mine))) {
    const other = await readHeartbeat(dir);
    throw stillLive(run, other);
  }
}

function stillLive(run: RunRecord, hb?: Heartbeat): StagecraftError {
  const pid = hb?.pid ?? run.owner?.pid ?? '?';
  const host = hb?.host ?? run.owner?.host;
  const what = run.status === 'awaiting-approval' ? 'waiting for approval' : 'running';
  return new StagecraftError(`Run ${run.id} is still ${what} in process ${pid}${host && host !== os.hostname() ? ` on ${host}` : ''}.`, {
    kind: 'input',
    hint: 'Cancel it there first, or wait for it to end.',
  });
}
