import type { ArtifactRef } from '../model';
import { promises as fs } from 'node:fs';
import { RunEvents } from './events';
import { RunExecution, type CommonOptions } from './execution';
import { planRun } from './plan';
import { prepareResume } from './resume';
import { newRunId, readRun, runDir } from './store';
import type { RunRecord } from './types';
import { prepareStateDir, stateDirError } from '../workspace';

export type { CommonOptions, EngineTiming } from './execution';

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
  /** false: no migration steps. */
  migrate?: boolean;
  /** This run redeploys an earlier release (recorded on the run for the ledger). */
  rollbackTo?: RunRecord['rollbackTo'];
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
      ...(options.rollbackTo ? { rollbackTo: options.rollbackTo } : {}),
      steps: steps.map(s => ({ ...s, status: 'pending' as const })),
      stageRecords: Object.fromEntries(stages.map(s => [s, { stage: s, status: 'pending' as const }])),
    };
    // A state folder that cannot be written stops the run here, naming the folder and how to move it.
    await prepareStateDir(root);
    await fs.mkdir(runDir(root, runId), { recursive: true }).catch(err => {
      throw stateDirError(runDir(root, runId), err);
    });
    return { run, from: 0, resumed: false };
  });
}

/**
 * Continues a run that did not succeed (interrupted, failed, cancelled, rejected) in this
 * process, from its first step that did not succeed; see prepareResume.
 */
export function resumeRun(root: string, runId: string, options: ResumeRunOptions): RunHandle {
  return launch(root, runId, options, async () => ({ ...(await prepareResume(root, runId, options.executor)), resumed: true }));
}

/** A new run of the same commit, branch and stages as an earlier one. */
export async function rerun(root: string, runId: string, options: ResumeRunOptions & { startedBy?: string }): Promise<RunHandle> {
  const old = await readRun(root, runId);
  const promotedOnly = !old.steps.some(s => s.kind === 'artifact');
  return startRun({
    ...options,
    commit: old.commit,
    branch: old.branch,
    stages: old.stages,
    startedBy: options.startedBy ?? old.startedBy,
    ...(promotedOnly && old.artifact ? { artifact: old.artifact } : {}),
  });
}

/** startRun and wait for the end. */
export function runPipeline(options: StartRunOptions): Promise<RunRecord> {
  return startRun(options).done;
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

