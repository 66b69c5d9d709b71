import type { ArtifactRef, EnvValue, Stack, Stage, StageStatus } from './model';
import type { RunningDifference } from './lint/runningDrift';

export type { ArtifactRef } from './model';
import type { StepExecutor } from './pipeline/types';
import type { GarbageReport } from './retention';

/** How long work reports back: progress lines and cancellation; and whom it may ask. */
export interface WorkContext {
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Questions for the person who started the work (the IDE answers them; the CLI has none: it goes ahead). */
  prompts?: DeployPrompts;
}

export interface DriftContext extends WorkContext {
  /**
   * Only what the provider reads cheaply (the tree asks on every refresh): no slow service-side
   * detection such as CloudFormation's, which `stagecraft drift` runs.
   */
  quick?: boolean;
}

/** One resource a deploy will add, change, replace or remove (a CloudFormation change set on AWS). */
export interface PlannedResourceChange {
  /** Its name in the template: "Service", "Database". */
  resource: string;
  /** Its type: "AWS::ECS::Service". */
  type: string;
  /** `replace` recreates it (what it holds may be lost); `may-replace` when that depends on values known only during the deploy. */
  kind: 'add' | 'modify' | 'replace' | 'may-replace' | 'remove';
  /** What changes in it on a modify: Properties, Tags… */
  scope: string[];
}

/** What a deploy will change, shown before anything changes ("Review changes"). */
export interface DeployReview {
  /** "shop/prod" */
  label: string;
  /** Where the change happens: "CloudFormation stack shop-prod". */
  target: string;
  /** The deploy creates the stage (nothing exists yet). */
  creates: boolean;
  changes: PlannedResourceChange[];
  /** One line: "2 to add, 1 to modify (Service), 1 to replace (TaskDefinition), 0 to remove". */
  summary: string;
}

/** What a deploy may ask before it changes anything. Absent questions are answered "go ahead". */
export interface DeployPrompts {
  /** Resolve false to stop: nothing has changed yet. */
  reviewChanges?(review: DeployReview): Promise<boolean>;
  /** The stage must be deleted before it can be created again (`why` says so): resolve true to do that. */
  confirmRecreate?(label: string, why: string): Promise<boolean>;
}

export interface DatabaseSecret {
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
}

/**
 * What every provider (local, aws) does for a stage. Anything the UI can do, both do.
 * The pipeline engine and the UI only talk to this interface.
 */
export interface Provider {
  /** Its module's name: what a stage's `provider:` says. */
  readonly name: string;
  status(stack: Stack, stage: Stage, ctx?: WorkContext): Promise<StageStatus>;
  deploy(stack: Stack, stage: Stage, artifact: ArtifactRef, ctx?: WorkContext): Promise<StageStatus>;
  /** Tears the stage down. A protected stage is refused unless `force` says the user explicitly confirmed it. */
  destroy(stack: Stack, stage: Stage, ctx?: WorkContext & { force?: boolean }): Promise<void>;
  applyConfiguration(stack: Stack, stage: Stage, change: { env?: Record<string, EnvValue>; origins?: string[] }, ctx?: WorkContext): Promise<void>;
  /** Stores a value the stage's `env` refers to as `{ secret: name }`; the value never goes into a file of the repository. */
  storeSecret(stack: Stack, stage: Stage, name: string, value: string, ctx?: WorkContext): Promise<void>;
  /** Deletes a stored secret nothing refers to any more (after `env unset`); no error when there is none. */
  deleteSecret?(stack: Stack, stage: Stage, name: string, ctx?: WorkContext): Promise<void>;
  /** Creates the stage's database when it has none (a database can be added after the stage exists). */
  ensureDatabase(stack: Stack, stage: Stage, ctx?: WorkContext): Promise<DatabaseSecret>;
  databaseSecret(stack: Stack, stage: Stage, ctx?: WorkContext): Promise<DatabaseSecret | undefined>;
  rotateDatabasePassword(stack: Stack, stage: Stage, ctx?: WorkContext): Promise<void>;
  logs(stack: Stack, stage: Stage, options: LogOptions, ctx?: WorkContext): AsyncIterable<LogLine>;
  /**
   * Decides an approval that waits outside Stagecraft's own engine (a CodePipeline manual
   * approval). Returns false when nothing waits at that stage there.
   */
  decideApproval?(stack: Stack, stage: Stage, decision: 'approve' | 'reject', input: { by: string; comment?: string }, ctx?: WorkContext): Promise<boolean>;
  /**
   * What deploying `candidate` to the stage would change (AWS: a change set created, read and
   * deleted, never executed), for the approval review. Changes nothing lasting: a stage that does
   * not exist yet is answered "will be created" (`creates`), not created.
   */
  previewChanges?(stack: Stack, stage: Stage, candidate: ArtifactRef, ctx?: WorkContext): Promise<DeployReview>;
  /**
   * How the running stage differs from the file (env, origins, database); undefined when the
   * stage does not run, or the provider cannot tell.
   */
  runningDrift?(stack: Stack, stage: Stage, ctx?: DriftContext): Promise<{ commit?: string; differences: RunningDifference[]; note?: string } | undefined>;
  /**
   * The executor of the steps only this provider can do (artifact, migrate, deploy, health,
   * synthetic, promote, rollback); core runs the source checks and holds approvals. `prompts`
   * reach its deploys.
   */
  pipelineExecutor(stack: Stack, prompts?: DeployPrompts): StepExecutor;
  /** Removes what retention no longer keeps on this machine (artifacts, exported sources, run records). */
  collectGarbage?(stack: Stack, keep: number, ctx?: WorkContext & { dryRun?: boolean }): Promise<GarbageReport>;
}

export interface LogOptions {
  kind: 'app' | 'access';
  follow: boolean;
  sinceMs?: number;
  filter?: string;
}

export interface LogLine {
  time: number;
  text: string;
  id?: string;
  /** The log stream it was read from (CloudWatch), when there are several. */
  stream?: string;
  /** The version (short commit or artifact) that wrote the line, when known. */
  version?: string;
  /** Not a line of the log: a deployment marker or a before/after summary from the run records. */
  marker?: 'deploy' | 'switch' | 'rollback' | 'approval' | 'summary';
}
