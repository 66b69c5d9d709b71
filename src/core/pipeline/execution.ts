import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StagecraftError, throwIfAborted, isCancelled, toStagecraftError } from '../errors';
import type { Stack, Stage } from '../model';
import { redactor } from '../redact';
import type { Lease } from '../lease';
import { RunNotifier, type NotificationEvent } from '../notifications';
import { readStageState, writeStageState } from '../stageState';
import { acquireStageLock } from '../stageLock';
import { waitForDecision } from './approvals';
import { DEFAULT_APPROVAL_TIMEOUT, formatDuration, parseDuration } from './duration';
import type { RunEvents } from './events';
import { HEARTBEAT_FILE, HeartbeatWriter } from './heartbeat';
import { LogWriter } from './logWriter';
import { LOG_FILE, writeRunRecord } from './store';
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
  /** One webhook attempt's limit (default 5 s) and the waits before retries (default 0.5 s, 2 s). */
  notificationTimeoutMs?: number;
  notificationRetryDelaysMs?: number[];
}

export interface CommonOptions {
  stack: Stack;
  executor: StepExecutor;
  signal?: AbortSignal;
  /** Approve every approval gate at once, recorded as approved by this person (CLI `--auto-approve`). */
  autoApprove?: { by: string };
  /** Subscribed before the first event, so nothing is missed. */
  onEvent?: (event: RunEvent) => void;
  /** Write each promoted stage's commit and artifact to `<state folder>/stages/<stage>.json` (default true). */
  recordStageState?: boolean;
  /** When another process is changing a stage, fail that stage's steps at once instead of waiting (`--no-wait`). */
  noWait?: boolean;
  timing?: EngineTiming;
}

/** One run being executed by this process: owns its run.json, log and heartbeat. */
export class RunExecution {
  private readonly log: LogWriter;
  private readonly heartbeat: HeartbeatWriter;
  private saveError?: unknown;
  private dirty = false;
  private writing?: Promise<void>;
  /** The stage locks this run holds: from a stage's first migrate/deploy step until its promote (or rollback). */
  private readonly stageLocks = new Map<string, Lease>();
  /** The stack's `notifications:`; absent when it has none. */
  private readonly notifier?: RunNotifier;

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
    if (options.stack.notifications?.length) {
      this.notifier = new RunNotifier({
        notifications: options.stack.notifications,
        readSecret: options.executor.readSecret && ((stage, name) => options.executor.readSecret!(stage, name)),
        send: { timeoutMs: options.timing?.notificationTimeoutMs, retryDelaysMs: options.timing?.notificationRetryDelaysMs },
        // A notification never fails the run: it is a warning in its output and record.
        warn: text => {
          run.warnings.push(`notification: ${text}`);
          this.line(undefined, `⚠ ${text}`);
          this.save();
        },
      });
    }
  }

  async execute(from: number, resumed: boolean): Promise<RunRecord> {
    const run = this.run;
    run.owner = { pid: process.pid, host: os.hostname() };
    // The heartbeat goes first: a run.json without one reads as interrupted.
    await this.heartbeat.start();
    try {
      this.save();
      await this.flushSave(); // a run.json exists by the time anyone hears of the run
      this.events.emit({ type: 'run-started', run: structuredClone(run), resumed });
      const started = resumed ? `Resuming run ${run.id} at ${run.steps[from]?.label ?? 'the end'} (commit ${short(run.commit)})` : `Run ${run.id} of stack ${run.stack}: commit ${short(run.commit)}${run.branch ? ` on ${run.branch}` : ''}, stages ${run.stages.join(' → ') || '(none)'}`;
      this.line(undefined, started);
      this.notify('run-started', started);
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
      await this.flushSave();
      await this.releaseStageLocks();
      await this.notifyEnd();
      await this.log.flush();
      await this.heartbeat.stop();
      await fs.rm(path.join(this.dir, HEARTBEAT_FILE), { force: true });
    }
    if (this.saveError) {
      throw new StagecraftError(`Could not record run ${run.id} in ${this.dir}: ${(this.saveError as Error).message}`, { kind: 'failure', cause: this.saveError });
    }
    this.events.emit({ type: 'run-finished', run: structuredClone(run) });
    // Retention is housekeeping: a sweep that fails never turns a finished run into a failed one.
    await this.options.executor.runFinished?.(structuredClone(run)).catch(() => undefined);
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
    if (step.stage && needsStageLock(step) && !this.stageLocks.has(step.stage) && (await this.lockStage(step))) return true;
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
      const e = toStagecraftError(err);
      outcome = { status: 'failed', summary: cancelled ? 'cancelled' : `${e.message}${e.hint ? ` ${e.hint}` : ''}` };
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
    if (stageRec && step.kind === 'promote') {
      await this.promoted(stageRec, outcome);
      await this.releaseStageLocks(step.stage);
    }
    this.save();
    return false;
  }

  // ——— stage locks (src/core/stageLock.ts) ———

  /** Takes the stage's lock before the run changes the stage; returns true when the run ends here (busy with --no-wait, or cancelled). */
  private async lockStage(step: StepRecord): Promise<boolean> {
    const stage = step.stage!;
    try {
      const lease = await acquireStageLock(this.root, stage, { action: `deploying ${stage}`, runId: this.run.id }, {
        wait: !this.options.noWait,
        signal: this.signal,
        onWait: (_holder, message) => {
          this.line(step.id, `${stage}: ${message}`);
          this.events.emit({ type: 'waiting-for-stage', runId: this.run.id, stage, message });
        },
      });
      this.stageLocks.set(stage, lease);
      return false;
    } catch (err) {
      // Nothing of this run runs on the stage yet: no rollback, the other holder's work is left alone.
      if (this.signal.aborted || isCancelled(err)) {
        this.finish(step, { status: 'failed', summary: `cancelled while waiting for stage ${stage}` }, 'cancelled');
        this.endCancelled(step, true);
        return true;
      }
      const e = err as StagecraftError;
      this.finish(step, { status: 'failed', summary: `${e.message}${e.hint ? ` ${e.hint}` : ''}` });
      this.run.status = 'failed';
      this.run.outcome = `failed at ${step.id} (${step.label}): ${step.summary}`;
      return true;
    }
  }

  private async releaseStageLocks(only?: string): Promise<void> {
    for (const [stage, lease] of [...this.stageLocks]) {
      if (only !== undefined && stage !== only) continue;
      this.stageLocks.delete(stage);
      await lease.release().catch(err => this.line(undefined, `Could not release the lock of stage ${stage}: ${(err as Error).message}`));
    }
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
    await this.flushSave(); // others (the CLI, the tree) find the pending approval from the moment we announce it
    this.line(step.id, `Waiting for approval to promote commit ${short(run.commit)} to ${stage} (until ${approval.expiresAt}): \`stagecraft approve ${stage}\` or \`stagecraft reject ${stage}\``);
    this.events.emit({ type: 'awaiting-approval', runId: run.id, stage, step: { ...step } });
    this.notify('approval-needed', `Commit ${short(run.commit)} waits for approval to go to ${stage} (until ${approval.expiresAt}): \`stagecraft approve ${stage}\` or \`stagecraft reject ${stage}\``, stage);

    let result: Awaited<ReturnType<typeof waitForDecision>>;
    try {
      result = await waitForDecision(this.dir, stage, approval.requestId, {
        deadline: Date.parse(approval.expiresAt),
        signal: this.signal,
        pollMs: this.options.timing?.approvalPollMs,
      });
    } catch (err) {
      run.status = 'running';
      if (!this.signal.aborted && !isCancelled(err)) {
        // A decision that cannot be read (a corrupt file) fails the gate, naming the file.
        this.finish(step, { status: 'failed', summary: toStagecraftError(err).message });
        run.status = 'failed';
        run.outcome = `failed at ${step.id}: ${step.summary}`;
        this.stageRec(stage).status = 'failed';
        this.save();
        return true;
      }
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
      Object.assign(approval, { decision: result.decision, by: result.by, at: result.at, ...(result.comment ? { comment: result.comment } : {}), ...(result.evidenceDigest ? { evidenceDigest: result.evidenceDigest } : {}) });
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
      this.notify('rolled-back', `Rolled back ${stage}: ${reason}; ${what}`, stage);
    } catch (err) {
      rec.status = 'failed';
      const msg = `rollback of ${stage} failed: ${(err as Error).message}; check what stage ${stage} serves (\`stagecraft status\`)`;
      run.outcome = run.outcome ? `${run.outcome}; ${msg}` : msg;
      this.line(`stage:${stage}:rollback`, msg);
    }
  }

  // ——— notifications (src/core/notifications) ———

  /** Starts the sends of `event` and returns at once; failures become warnings. `stage`: what it is about (null: no stage); the run's last stage when absent. */
  private notify(event: NotificationEvent, message: string, stage?: string | null): void {
    if (!this.notifier) return;
    const run = this.run;
    const about = stage === null ? undefined : (stage ?? run.stages[run.stages.length - 1]);
    const url = about ? run.stageRecords[about]?.url : undefined;
    this.notifier.notify({ event, stack: run.stack, commit: run.commit, run: run.id, runStages: run.stages, stage: about, ...(url ? { url } : {}), message: redactor.redact(message) });
  }

  /** The run's last notifications (how it ended; a rollback run that restored a release), then waits for every send. */
  private async notifyEnd(): Promise<void> {
    if (!this.notifier) return;
    const run = this.run;
    if (run.status === 'succeeded') {
      this.notify('run-succeeded', `Run ${run.id} ${run.outcome ?? 'succeeded'}`);
      if (run.rollbackTo) this.notify('rolled-back', `${run.rollbackTo.stage} rolled back to commit ${short(run.rollbackTo.commit)} by run ${run.id}`, run.rollbackTo.stage);
    } else if (run.status !== 'running' && run.status !== 'awaiting-approval') {
      // About the stage where it stopped (a source or build failure is about none).
      const stopped = run.steps.find(s => s.status === 'failed' || s.status === 'cancelled');
      this.notify('run-failed', `Run ${run.id} ${run.outcome ?? run.status}`, stopped ? (stopped.stage ?? null) : undefined);
    }
    await this.notifier.settled();
    this.save();
    await this.flushSave();
  }

  private endCancelled(step: StepRecord, during: boolean): void {
    const run = this.run;
    run.status = 'cancelled';
    const rolled = run.rollback ? `; rolled back: ${run.rollback.stage} keeps serving ${run.rollback.keeps ? short(run.rollback.keeps) : 'nothing (no earlier version)'}` : '';
    run.outcome = `cancelled ${during ? 'during' : 'before'} ${step.id} (${step.label})${rolled}`;
  }

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
    // Outputs are recorded (and handed to later steps) redacted: they are for URLs and ids, never secrets.
    if (outcome.outputs && Object.keys(outcome.outputs).length) {
      step.outputs = Object.fromEntries(Object.entries(outcome.outputs).map(([k, v]) => [k, redactor.redact(String(v))]));
    }
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
   * Rewrites run.json atomically in the background. Writes never overlap; requests made while
   * one is under way collapse into one more write of the latest state, so a step costs the
   * engine next to nothing. `flushSave` waits until the file holds everything so far.
   */
  private save(): void {
    this.dirty = true;
    if (!this.writing) this.writing = this.writeLoop();
  }

  private async writeLoop(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      try {
        await writeRunRecord(this.root, this.run);
      } catch (err) {
        this.saveError ??= err;
      }
    }
    this.writing = undefined;
  }

  private async flushSave(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private stageRec(stage: string): StageRunRecord {
    return (this.run.stageRecords[stage] ??= { stage, status: 'pending' });
  }

  private stageDef(stage: string): Stage | undefined {
    return this.options.stack.stages.find(s => s.name === stage);
  }
}

/** Steps that change a stage, run under its lock. */
function needsStageLock(step: Step): boolean {
  return step.kind === 'migrate' || isCandidateStep(step);
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

function newRequestId(): string {
  return randomBytes(4).toString('hex');
}

function short(value: string, n = 8): string {
  return value.slice(0, n);
}
