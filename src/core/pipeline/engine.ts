import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isAbortError, StagecraftError, throwIfAborted } from '../errors';
import type { Stack, Stage } from '../model';
import type { ArtifactRef } from '../provider';
import { redactor } from '../redact';
import { readStageState, writeStageState } from '../stageState';
import { waitForDecision } from './approvals';
import { DEFAULT_APPROVAL_TIMEOUT, formatDuration, parseDuration } from './duration';
import { RunEvents } from './events';
import { HEARTBEAT_FILE, HeartbeatWriter } from './heartbeat';
import { LogWriter } from './logWriter';
import { planRun } from './plan';
import { LOG_FILE, newRunId, readRun, runDir, writeRunRecordSync } from './store';
import type { RunEvent, RunRecord, StageRunRecord, Step, StepContext, StepExecutor, StepOutcome, StepRecord } from './types';

/** Knobs that tests and the benchmark turn; the defaults suit real use. */
export interface EngineTiming {
  /** How often the running process refreshes its heartbeat. */
  heartbeatMs?: number;
  /** Fallback poll for approval decisions (fs.watch normally sees them at once). */
  approvalPollMs?: number;
  /** After cancelling, how long a step may take to stop before the run ends without it. */
  cancelGraceMs?: number;
  /** The longest a rollback may take. */
  rollbackTimeoutMs?: number;
}

interface CommonOptions {
  stack: Stack;
  executor: StepExecutor;
  signal?: AbortSignal;
  /** Approve every approval gate at once, recorded as approved by this person (CLI `--auto-approve`). */
  autoApprove?: { by: string };
  /** Subscribed before the first event, so nothing is missed. */
  onEvent?: (event: RunEvent) => void;
  /** Write each promoted stage's commit and artifact to `.stagecraft/stages/<stage>.json` (default true). */
  recordStageState?: boolean;
  timing?: EngineTiming;
}

export interface StartRunOptions extends CommonOptions {
  commit: string;
  branch?: string;
  /** Only these stages; all when absent. */
  stages?: string[];
  /** Promote this existing artifact instead of building one (no source or build steps). */
  artifact?: ArtifactRef;
  /** Whether the service has a lint script; read from package.json when absent. */
  lint?: boolean;
  /** Who started the run (git user). */
  startedBy?: string;
}

export type ResumeRunOptions = CommonOptions;

export interface RunHandle {
  runId: string;
  /** The run's folder: run.json, run.log, approvals/. */
  dir: string;
  events: RunEvents;
  /** Ends the run as cancelled (the current step gets the abort). */
  cancel(): void;
  /**
   * The final record. A failed, rejected or cancelled run still resolves (the record says how it
   * ended); it rejects only when the run could not start or could not be recorded.
   */
  done: Promise<RunRecord>;
}

/** Starts a new run of the stack's pipeline. Returns at once; subscribe to `events` or await `done`. */
export function startRun(options: StartRunOptions): RunHandle {
  const root = options.stack.root;
  const runId = newRunId();
  return launch(root, runId, options, async () => {
    const steps = planRun(options.stack, options);
    const now = new Date().toISOString();
    const stages = [...new Set(steps.filter(s => s.stage).map(s => s.stage!))];
    const run: RunRecord = {
      version: 1,
      id: runId,
      stack: options.stack.name,
      commit: options.commit,
      ...(options.branch ? { branch: options.branch } : {}),
      stages,
      createdAt: now,
      ...(options.startedBy ? { startedBy: options.startedBy } : {}),
      status: 'running',
      warnings: [],
      ...(options.artifact ? { artifact: options.artifact } : {}),
      steps: steps.map(s => ({ ...s, status: 'pending' as const })),
      stageRecords: Object.fromEntries(stages.map(s => [s, { stage: s, status: 'pending' as const }])),
    };
    await fs.mkdir(runDir(root, runId), { recursive: true });
    return { run, from: 0, resumed: false };
  });
}

/**
 * Continues a run that did not succeed (interrupted, failed, cancelled, rejected) in this
 * process, from its first step that did not succeed. The artifact is not built again while the
 * executor still has it. A stage cut off between deploy and promote starts again at deploy,
 * because the candidate it was checking may be gone.
 */
export function resumeRun(root: string, runId: string, options: ResumeRunOptions): RunHandle {
  return launch(root, runId, options, async () => {
    const run = await readRun(root, runId);
    if (run.status === 'running' || run.status === 'awaiting-approval') {
      throw new StagecraftError(`Run ${runId} is still ${run.status === 'running' ? 'running' : 'waiting for approval'} in process ${run.owner?.pid ?? '?'}${run.owner?.host && run.owner.host !== os.hostname() ? ` on ${run.owner.host}` : ''}.`, {
        kind: 'input',
        hint: 'Cancel it there first, or wait for it to end.',
      });
    }
    if (run.status === 'succeeded') {
      throw new StagecraftError(`Run ${runId} already succeeded; there is nothing to resume.`, { kind: 'input', hint: 'Start a new run to deploy again.' });
    }
    let from = run.steps.findIndex(s => !isDone(s));
    if (from < 0) from = run.steps.length;
    from = restartPointOfStage(run.steps, from);
    const built = run.steps.findIndex(s => s.kind === 'artifact');
    if (run.artifact && from > built && options.executor.artifactExists && !(await options.executor.artifactExists(run.artifact))) {
      if (built < 0) {
        throw new StagecraftError(`Run ${runId} promotes artifact ${run.artifact.id}, which no longer exists.`, { kind: 'failure', hint: 'Start a new run to build it again.' });
      }
      from = built;
    }
    for (const step of run.steps.slice(from)) resetStep(step);
    for (const stage of new Set(run.steps.slice(from).map(s => s.stage).filter(Boolean) as string[])) {
      const rec = run.stageRecords[stage];
      if (rec && rec.status !== 'serving') run.stageRecords[stage] = { stage, status: 'pending' };
    }
    if (from <= built) delete run.artifact;
    const resetIds = new Set(run.steps.slice(from).map(s => s.id));
    run.warnings = run.warnings.filter(w => !resetIds.has(w.slice(0, w.indexOf(': '))));
    run.status = 'running';
    delete run.outcome;
    delete run.endedAt;
    delete run.durationMs;
    delete run.rollback;
    run.resumes = [...(run.resumes ?? []), new Date().toISOString()];
    return { run, from, resumed: true };
  });
}

/** A new run of the same commit, branch and stages as an earlier one. */
export async function rerun(root: string, runId: string, options: ResumeRunOptions & { startedBy?: string }): Promise<RunHandle> {
  const old = await readRun(root, runId);
  return startRun({ ...options, commit: old.commit, branch: old.branch, stages: old.stages, startedBy: options.startedBy ?? old.startedBy });
}

/** startRun and wait for the end. */
export function runPipeline(options: StartRunOptions): Promise<RunRecord> {
  return startRun(options).done;
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
  // An approval cut off while waiting keeps its request (and its deadline, and any decision made
  // meanwhile); one that was rejected or timed out asks again.
  if (!waiting) delete step.approval;
}

function launch(root: string, runId: string, options: CommonOptions, prepare: () => Promise<{ run: RunRecord; from: number; resumed: boolean }>): RunHandle {
  const events = new RunEvents();
  if (options.onEvent) events.subscribe(options.onEvent);
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  else options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const dir = runDir(root, runId);
  const done = (async () => {
    await null; // let the caller subscribe before the first event
    try {
      const { run, from, resumed } = await prepare();
      return await new RunExecution(root, dir, run, options, events, controller.signal).execute(from, resumed);
    } finally {
      options.signal?.removeEventListener('abort', onOuterAbort);
    }
  })();
  return { runId, dir, events, cancel: () => controller.abort(), done };
}

/** One run being executed by this process: owns its run.json, log and heartbeat. */
class RunExecution {
  private readonly log: LogWriter;
  private readonly heartbeat: HeartbeatWriter;
  private saveError?: unknown;

  constructor(
    private readonly root: string,
    private readonly dir: string,
    private readonly run: RunRecord,
    private readonly options: CommonOptions,
    private readonly events: RunEvents,
    private readonly signal: AbortSignal,
  ) {
    this.log = new LogWriter(path.join(dir, LOG_FILE));
    this.heartbeat = new HeartbeatWriter(dir, options.timing?.heartbeatMs);
  }

  async execute(from: number, resumed: boolean): Promise<RunRecord> {
    const run = this.run;
    run.owner = { pid: process.pid, host: os.hostname() };
    // The heartbeat goes first: a run.json without one reads as interrupted.
    await this.heartbeat.start();
    try {
      this.save();
      this.events.emit({ type: 'run-started', run: structuredClone(run), resumed });
      this.line(undefined, resumed ? `Resuming run ${run.id} at ${run.steps[from]?.label ?? 'the end'} (commit ${short(run.commit)})` : `Run ${run.id} of stack ${run.stack}: commit ${short(run.commit)}${run.branch ? ` on ${run.branch}` : ''}, stages ${run.stages.join(' → ') || '(none)'}`);
      await this.executeFrom(from);
    } catch (err) {
      // An engine fault (not a step failure): still end the record.
      run.status = 'failed';
      run.outcome = `failed: ${(err as Error).message}`;
    } finally {
      run.endedAt = new Date().toISOString();
      run.durationMs = Date.parse(run.endedAt) - Date.parse(run.createdAt);
      this.line(undefined, `Run ${run.status}: ${run.outcome ?? ''}`);
      this.save();
      await this.log.flush();
      await this.heartbeat.stop();
      await fs.rm(path.join(this.dir, HEARTBEAT_FILE), { force: true });
    }
    if (this.saveError) {
      throw new StagecraftError(`Could not record run ${run.id} in ${this.dir}: ${(this.saveError as Error).message}`, { kind: 'failure', cause: this.saveError });
    }
    this.events.emit({ type: 'run-finished', run: structuredClone(run) });
    return structuredClone(run);
  }

  private async executeFrom(from: number): Promise<void> {
    const run = this.run;
    for (let i = from; i < run.steps.length; i++) {
      const step = run.steps[i];
      if (this.signal.aborted) return this.endCancelled(step, false);
      if (this.saveError) throw this.saveError;
      const ended = step.kind === 'approval' ? await this.approvalStep(step) : await this.workStep(step);
      if (ended) return;
    }
    run.status = 'succeeded';
    const warned = run.warnings.length ? ` with ${run.warnings.length} warning${run.warnings.length > 1 ? 's' : ''} (${run.warnings.join('; ')})` : '';
    const where = run.stages.length ? `now serving on ${run.stages.join(', ')}` : 'built';
    run.outcome = `succeeded${warned}: commit ${short(run.commit)}${run.artifact ? `, artifact ${short(run.artifact.id, 12)}` : ''} ${where}`;
  }

  /** Runs a step through the executor; returns true when the run ends here. */
  private async workStep(step: StepRecord): Promise<boolean> {
    const run = this.run;
    await this.begin(step);
    if (step.stage && step.kind === 'deploy') await this.beginStageDeploy(step.stage);
    let outcome: StepOutcome;
    let cancelled = false;
    let called = false;
    try {
      throwIfAborted(this.signal, step.label);
      called = true;
      outcome = validOutcome(await this.withCancelGrace(this.options.executor.execute(publicStep(step), this.context(step))), step);
      // Whatever a step reports once the run was cancelled, it did not finish its work as asked.
      if (this.signal.aborted) cancelled = true;
    } catch (err) {
      cancelled = this.signal.aborted || isCancelled(err);
      const e = err as StagecraftError;
      outcome = { status: 'failed', summary: cancelled ? 'cancelled' : `${e.message ?? String(err)}${e.hint ? ` ${e.hint}` : ''}` };
    }
    if (!cancelled && step.kind === 'artifact' && outcome.status === 'succeeded') {
      const id = outcome.outputs?.artifact;
      if (id) run.artifact = { id, commit: run.commit };
      else outcome = { status: 'failed', summary: 'the build returned no artifact id (outputs.artifact); the executor must report the content hash it built' };
    }
    if (!cancelled && step.kind === 'source' && outcome.outputs?.commit) run.commit = outcome.outputs.commit;
    this.finish(step, cancelled ? { status: 'failed', summary: 'cancelled' } : outcome, cancelled ? 'cancelled' : undefined);

    const stageRec = step.stage ? run.stageRecords[step.stage] : undefined;
    if (cancelled) {
      // A deploy that never started left no candidate behind; later steps of the stage did.
      if (stageRec && isCandidateStep(step) && (called || step.kind !== 'deploy')) await this.rollback(step.stage!, 'cancelled');
      this.endCancelled(step, true);
      return true;
    }
    if (outcome.status === 'failed') {
      run.status = 'failed';
      run.outcome = `failed at ${step.id} (${step.label}): ${step.summary}`;
      if (stageRec && isCandidateStep(step)) {
        await this.rollback(step.stage!, `${step.label} failed: ${step.summary}`);
      } else if (stageRec) {
        stageRec.status = 'failed';
      }
      return true;
    }
    if (stageRec && step.kind === 'deploy') {
      if (outcome.outputs?.url) stageRec.url = outcome.outputs.url;
      if (outcome.outputs?.previousCommit) stageRec.previousCommit = outcome.outputs.previousCommit;
      if (outcome.outputs?.previousArtifact) stageRec.previousArtifact = outcome.outputs.previousArtifact;
    }
    if (stageRec && step.kind === 'promote') await this.promoted(stageRec, outcome);
    this.save();
    return false;
  }

  private async approvalStep(step: StepRecord): Promise<boolean> {
    const run = this.run;
    const stage = step.stage!;
    await this.begin(step);
    if (this.options.autoApprove) {
      const at = new Date().toISOString();
      step.approval = { requestId: newRequestId(), requestedAt: at, expiresAt: at, decision: 'approved', by: this.options.autoApprove.by, at, comment: 'auto-approved' };
      this.finish(step, { status: 'succeeded', summary: `auto-approved for ${this.options.autoApprove.by}` });
      this.events.emit({ type: 'approval-decided', runId: run.id, stage, approval: { ...step.approval } });
      return false;
    }
    const stageDef = this.stageDef(stage);
    const timeoutText = stageDef?.approvalTimeout ?? DEFAULT_APPROVAL_TIMEOUT;
    if (!step.approval) {
      const requestedAt = new Date();
      let timeoutMs: number;
      try {
        timeoutMs = parseDuration(timeoutText, `approvalTimeout of stage ${stage}`);
      } catch (err) {
        this.finish(step, { status: 'failed', summary: (err as Error).message });
        run.status = 'failed';
        run.outcome = `failed at ${step.id}: ${step.summary}`;
        return true;
      }
      step.approval = { requestId: newRequestId(), requestedAt: requestedAt.toISOString(), expiresAt: new Date(requestedAt.getTime() + timeoutMs).toISOString() };
    }
    const approval = step.approval;
    step.status = 'awaiting-approval';
    run.status = 'awaiting-approval';
    this.save();
    this.line(step.id, `Waiting for approval to promote commit ${short(run.commit)} to ${stage} (until ${approval.expiresAt}): \`stagecraft approve ${stage}\` or \`stagecraft reject ${stage}\``);
    this.events.emit({ type: 'awaiting-approval', runId: run.id, stage, step: { ...step } });

    let result: Awaited<ReturnType<typeof waitForDecision>>;
    try {
      result = await waitForDecision(this.dir, stage, approval.requestId, {
        deadline: Date.parse(approval.expiresAt),
        signal: this.signal,
        pollMs: this.options.timing?.approvalPollMs,
      });
    } catch (err) {
      if (!this.signal.aborted && !isCancelled(err)) throw err;
      run.status = 'running';
      this.finish(step, { status: 'failed', summary: 'cancelled while waiting for approval' }, 'cancelled');
      this.endCancelled(step, true);
      return true;
    }
    run.status = 'running';
    if (result === 'timed-out') {
      Object.assign(approval, { decision: 'timed-out', at: new Date().toISOString() });
      this.finish(step, { status: 'failed', summary: `approval timed out: nobody approved or rejected within ${timeoutText}` });
      run.status = 'failed';
      run.outcome = `failed at ${step.id}: ${step.summary}`;
      this.stageRec(stage).status = 'failed';
    } else {
      Object.assign(approval, { decision: result.decision, by: result.by, at: result.at, ...(result.comment ? { comment: result.comment } : {}) });
      const said = result.comment ? `: ${result.comment}` : '';
      if (result.decision === 'approved') {
        this.finish(step, { status: 'succeeded', summary: `approved by ${result.by}${said}` });
      } else {
        this.finish(step, { status: 'failed', summary: `rejected by ${result.by}${said}` });
        run.status = 'rejected';
        run.outcome = `rejected: promotion of ${short(run.commit)} to ${stage} rejected by ${result.by}${said}`;
        this.stageRec(stage).status = 'failed';
      }
    }
    this.events.emit({ type: 'approval-decided', runId: run.id, stage, approval: { ...approval } });
    this.save();
    return result === 'timed-out' || result.decision === 'rejected';
  }

  private async beginStageDeploy(stage: string): Promise<void> {
    const rec = this.stageRec(stage);
    rec.status = 'deploying';
    rec.artifact = this.run.artifact?.id;
    rec.commit = this.run.commit;
    const state = await readStageState(this.root, stage).catch(() => undefined);
    if (state?.commit) rec.previousCommit = state.commit;
    if (state?.artifact) rec.previousArtifact = state.artifact;
  }

  private async promoted(rec: StageRunRecord, outcome: StepOutcome): Promise<void> {
    rec.status = 'serving';
    rec.artifact = this.run.artifact?.id;
    rec.commit = this.run.commit;
    if (outcome.outputs?.url) rec.url = outcome.outputs.url;
    if (this.options.recordStageState === false) return;
    try {
      const prev = await readStageState(this.root, rec.stage);
      await writeStageState(this.root, rec.stage, {
        ...prev,
        kind: 'healthy',
        commit: rec.commit,
        artifact: rec.artifact,
        url: rec.url ?? prev.url,
        updatedAt: new Date().toISOString(),
        detail: `promoted by run ${this.run.id}`,
      });
    } catch (err) {
      this.line(undefined, `Could not record the state of stage ${rec.stage}: ${(err as Error).message}`);
    }
  }

  private async rollback(stage: string, reason: string): Promise<void> {
    const run = this.run;
    const rec = this.stageRec(stage);
    const keeps = rec.previousCommit;
    const def = this.stageDef(stage);
    this.line(`stage:${stage}:rollback`, `Rolling back ${stage}: ${reason}`);
    try {
      if (def && this.options.executor.rollback) {
        await this.options.executor.rollback(def, {
          run,
          stack: this.options.stack,
          signal: AbortSignal.timeout(this.options.timing?.rollbackTimeoutMs ?? 120_000),
          log: text => this.line(`stage:${stage}:rollback`, text),
          artifact: run.artifact,
          stageOutputs: this.stageOutputs(stage),
          reason,
        });
      }
      rec.status = 'rolled-back';
      run.rollback = { stage, ...(keeps ? { keeps } : {}), reason };
      const what = keeps ? `${stage} keeps serving ${short(keeps)}` : `${stage} had no earlier version, so it serves nothing`;
      if (run.status !== 'cancelled') run.outcome = `rolled back: ${what} (${run.outcome ?? reason})`;
      this.line(`stage:${stage}:rollback`, `Rolled back: ${what}`);
      this.events.emit({ type: 'rolled-back', runId: run.id, stage, ...(keeps ? { keeps } : {}), reason });
    } catch (err) {
      rec.status = 'failed';
      const msg = `rollback of ${stage} failed: ${(err as Error).message}; check what stage ${stage} serves (\`stagecraft status\`)`;
      run.outcome = run.outcome ? `${run.outcome}; ${msg}` : msg;
      this.line(`stage:${stage}:rollback`, msg);
    }
  }

  private endCancelled(step: StepRecord, during: boolean): void {
    const run = this.run;
    run.status = 'cancelled';
    const rolled = run.rollback ? `; rolled back: ${run.rollback.stage} keeps serving ${run.rollback.keeps ? short(run.rollback.keeps) : 'nothing (no earlier version)'}` : '';
    run.outcome = `cancelled ${during ? 'during' : 'before'} ${step.id} (${step.label})${rolled}`;
  }

  /** Marks a step running; run.json says so before the step starts, so a crash from here on leaves a record naming it. */
  private async begin(step: StepRecord): Promise<void> {
    step.status = 'running';
    step.startedAt = new Date().toISOString();
    step.attempts = (step.attempts ?? 0) + 1;
    this.save();
    this.line(step.id, `▶ ${step.label}`);
    this.events.emit({ type: 'step-started', runId: this.run.id, step: { ...step } });
  }

  private finish(step: StepRecord, outcome: StepOutcome, status?: 'cancelled'): void {
    step.status = status ?? outcome.status;
    step.endedAt = new Date().toISOString();
    step.durationMs = Date.parse(step.endedAt) - Date.parse(step.startedAt ?? step.endedAt);
    step.summary = redactor.redact(outcome.summary);
    if (outcome.outputs && Object.keys(outcome.outputs).length) step.outputs = outcome.outputs;
    if (step.status === 'warning') this.run.warnings.push(`${step.id}: ${step.summary}`);
    const mark = { succeeded: '✔', warning: '⚠', skipped: '–', failed: '✖', cancelled: '■' }[step.status as 'succeeded'] ?? '·';
    this.line(step.id, `${mark} ${step.label} ${step.status}${step.summary ? `: ${step.summary}` : ''} (${formatDuration(step.durationMs)})`);
    this.save();
    this.events.emit({ type: 'step-finished', runId: this.run.id, step: { ...step } });
  }

  private context(step: StepRecord): StepContext {
    return {
      run: this.run,
      stack: this.options.stack,
      signal: this.signal,
      log: text => this.line(step.id, text),
      artifact: this.run.artifact,
      stageOutputs: step.stage ? this.stageOutputs(step.stage) : {},
    };
  }

  private stageOutputs(stage: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const s of this.run.steps) if (s.stage === stage && s.outputs) Object.assign(out, s.outputs);
    return out;
  }

  /** After an abort, waits at most cancelGraceMs for the step to stop, then ends without it. */
  private withCancelGrace<T>(work: Promise<T>): Promise<T> {
    const grace = this.options.timing?.cancelGraceMs ?? 10_000;
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        timer = setTimeout(() => reject(StagecraftError.cancelled('The step')), grace);
      };
      if (this.signal.aborted) onAbort();
      else this.signal.addEventListener('abort', onAbort, { once: true });
      work.then(resolve, reject).finally(() => {
        if (timer) clearTimeout(timer);
        this.signal.removeEventListener('abort', onAbort);
      });
    });
  }

  private line(stepId: string | undefined, text: string): void {
    for (const raw of String(text).split(/\r?\n/)) {
      const line = redactor.redact(raw);
      const time = new Date().toISOString();
      this.log.write(`${time} ${stepId ? `[${stepId}] ` : ''}${line}`);
      this.events.emit({ type: 'log', runId: this.run.id, ...(stepId ? { stepId } : {}), line, time });
    }
  }

  /**
   * Rewrites run.json atomically, at once: when an event announces a step or an approval, the
   * record on disk already says so, for the CLI and the tree in other processes.
   */
  private save(): void {
    try {
      writeRunRecordSync(this.root, this.run);
    } catch (err) {
      this.saveError ??= err;
    }
  }

  private stageRec(stage: string): StageRunRecord {
    return (this.run.stageRecords[stage] ??= { stage, status: 'pending' });
  }

  private stageDef(stage: string): Stage | undefined {
    return this.options.stack.stages.find(s => s.name === stage);
  }
}

/** Steps after which a new version may be running beside the old one, not yet switched to. */
function isCandidateStep(step: Step): boolean {
  return step.kind === 'deploy' || step.kind === 'health' || step.kind === 'synthetic' || step.kind === 'promote';
}

function publicStep(step: StepRecord): Step {
  const { id, kind, group, stage, label, command, healthPath, checks } = step;
  return { id, kind, group, label, ...(stage ? { stage } : {}), ...(command ? { command } : {}), ...(healthPath ? { healthPath } : {}), ...(checks ? { checks } : {}) };
}

function validOutcome(outcome: StepOutcome | undefined, step: Step): StepOutcome {
  const statuses = ['succeeded', 'failed', 'warning', 'skipped'];
  if (!outcome || !statuses.includes(outcome.status)) {
    return { status: 'failed', summary: `the executor returned no valid outcome for ${step.id} (got ${JSON.stringify(outcome)?.slice(0, 100)})` };
  }
  return { ...outcome, summary: typeof outcome.summary === 'string' ? outcome.summary : '' };
}

function isCancelled(err: unknown): boolean {
  return (err instanceof StagecraftError && err.cancelled) || isAbortError(err);
}

function newRequestId(): string {
  return randomBytes(4).toString('hex');
}

function short(value: string, n = 8): string {
  return value.slice(0, n);
}
