import type { ArtifactRef, Stack, Stage, SyntheticCheck } from '../model';

/**
 * What a pipeline step does; a provider's executor switches on it. Source and build steps run
 * once per run; the stage kinds repeat for every stage the run promotes to.
 */
export type StepKind =
  | 'source'
  | 'artifact'
  | 'unit-tests'
  | 'secret-scan'
  | 'code-quality'
  | 'sbom'
  | 'audit'
  | 'approval'
  | 'migrate'
  | 'deploy'
  | 'health'
  | 'synthetic'
  | 'promote';

export type StepGroup = 'source' | 'build' | 'stage';

/** One planned step. `id` is unique in a run: `source`, `build:artifact`, `stage:prod:deploy`. */
export interface Step {
  id: string;
  kind: StepKind;
  group: StepGroup;
  /** The stage a stage step belongs to. */
  stage?: string;
  /** What a person reads: "Build artifact", "prod: deploy". */
  label: string;
  /** `migrate`: the service's migration command line. */
  command?: string;
  /** `health`: the path that must answer 2xx. */
  healthPath?: string;
  /** `synthetic`: the checks to run (defaults already applied). */
  checks?: SyntheticCheck[];
}

/**
 * How a step ended. `warning` is a pass that a person must see (for example "advisory service
 * unreachable: dependencies not audited"); it never reads as a plain success.
 */
export interface StepOutcome {
  status: 'succeeded' | 'failed' | 'warning' | 'skipped';
  summary: string;
  /**
   * Values later steps may use. `build:artifact` must return `artifact` (the content hash);
   * `deploy` may return `url` and `previousCommit` (what serves until the switch). Recorded in
   * run.json, redacted: never put a secret here.
   */
  outputs?: Record<string, string>;
}

export type StepStatus = 'pending' | 'running' | 'awaiting-approval' | 'succeeded' | 'warning' | 'skipped' | 'failed' | 'cancelled';

export interface ApprovalRecord {
  /** Identifies this wait; a decision written for another request is ignored. */
  requestId: string;
  requestedAt: string;
  expiresAt: string;
  decision?: 'approved' | 'rejected' | 'timed-out';
  by?: string;
  at?: string;
  comment?: string;
  /** `sha256:…` of the evidence the approver was shown. */
  evidenceDigest?: string;
}

export interface StepRecord extends Step {
  status: StepStatus;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  summary?: string;
  outputs?: Record<string, string>;
  approval?: ApprovalRecord;
  /** How many times the step has started (a resumed run may start one again). */
  attempts?: number;
}

/** What a run did (or is doing) to one stage. */
export interface StageRunRecord {
  stage: string;
  status: 'pending' | 'deploying' | 'serving' | 'rolled-back' | 'failed';
  /** The artifact and commit this run deployed to the stage. */
  artifact?: string;
  commit?: string;
  url?: string;
  /** What served before this run deployed; after a rollback it is what still serves. */
  previousCommit?: string;
  previousArtifact?: string;
}

/**
 * `interrupted` is never written: it is how a `running` or `awaiting-approval` run reads once
 * the process that ran it is gone.
 */
export type RunStatus = 'running' | 'awaiting-approval' | 'succeeded' | 'failed' | 'rejected' | 'cancelled' | 'interrupted';

export interface RunRecord {
  version: 1;
  id: string;
  stack: string;
  commit: string;
  branch?: string;
  /** The stages this run promotes through, in order. */
  stages: string[];
  createdAt: string;
  /** Who started it (git user) when the caller said. */
  startedBy?: string;
  endedAt?: string;
  durationMs?: number;
  status: RunStatus;
  /** One line for a person: "succeeded", "failed at stage:dev:health: …", "rolled back: dev keeps serving 1a2b3c4d". */
  outcome?: string;
  /** Step summaries of every `warning` outcome, as "<step id>: <summary>". */
  warnings: string[];
  artifact?: ArtifactRef;
  steps: StepRecord[];
  stageRecords: Record<string, StageRunRecord>;
  rollback?: { stage: string; keeps?: string; reason: string };
  /** Set on a run that redeploys an earlier release (`stagecraft rollback`): what it restores. */
  rollbackTo?: { stage: string; commit: string; runId?: string };
  owner?: { pid: number; host: string };
  /** Times the run was resumed. */
  resumes?: string[];
}

export interface StepContext {
  /** The run as recorded so far (read-only: the engine owns it). */
  run: Readonly<RunRecord>;
  stack: Stack;
  signal: AbortSignal;
  /** One line (or several, split on newlines) for the run's log; redacted before writing. */
  log(line: string): void;
  /** The artifact built by `build:artifact`; set for every step after it. */
  artifact?: ArtifactRef;
  /** Outputs of this stage's earlier steps in this run (e.g. the candidate `url` from deploy). */
  stageOutputs: Record<string, string>;
}

export interface RollbackContext {
  run: Readonly<RunRecord>;
  stack: Stack;
  /** Not the run's signal: a rollback runs even when the run was cancelled. */
  signal: AbortSignal;
  log(line: string): void;
  artifact?: ArtifactRef;
  stageOutputs: Record<string, string>;
  /** Why: "health check failed: …", "cancelled". */
  reason: string;
}

/**
 * The boundary between the engine and a provider (local processes, AWS). The engine decides
 * what runs in which order, records it and handles approvals; the executor does the work.
 */
export interface StepExecutor {
  /** Runs one step. Throwing is a failed step; a cancelled StagecraftError (or abort) cancels the run. */
  execute(step: Step, ctx: StepContext): Promise<StepOutcome>;
  /** Stops the candidate of a failed deploy so the version that served before keeps serving. */
  rollback?(stage: Stage, ctx: RollbackContext): Promise<void>;
  /** Whether a built artifact is still there (checked before a resumed run skips the build). */
  artifactExists?(artifact: ArtifactRef): Promise<boolean>;
  /** After a run has ended and been recorded: a provider sweeps what it no longer needs (retention). */
  runFinished?(run: RunRecord): Promise<void>;
  /** A stage secret's value (a notification's webhook URL); undefined when the stage has none by that name. */
  readSecret?(stage: string, name: string): Promise<string | undefined>;
}

export type RunEvent =
  | { type: 'run-started'; run: RunRecord; resumed: boolean }
  | { type: 'step-started'; runId: string; step: StepRecord }
  | { type: 'step-finished'; runId: string; step: StepRecord }
  | { type: 'log'; runId: string; stepId?: string; line: string; time: string }
  | { type: 'awaiting-approval'; runId: string; stage: string; step: StepRecord }
  | { type: 'approval-decided'; runId: string; stage: string; approval: ApprovalRecord }
  | { type: 'rolled-back'; runId: string; stage: string; keeps?: string; reason: string }
  /** Another process holds the stage's lock; the run waits for it. */
  | { type: 'waiting-for-stage'; runId: string; stage: string; message: string }
  | { type: 'run-finished'; run: RunRecord };

export type RunEventType = RunEvent['type'];
