import type { EnvValue, Stack, Stage, StageStatus } from './model';
import type { StepExecutor } from './pipeline/types';

/** How long work reports back: progress lines and cancellation. */
export interface WorkContext {
  signal?: AbortSignal;
  log?: (line: string) => void;
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
  readonly name: 'local' | 'aws';
  status(stack: Stack, stage: Stage, ctx?: WorkContext): Promise<StageStatus>;
  deploy(stack: Stack, stage: Stage, artifact: ArtifactRef, ctx?: WorkContext): Promise<StageStatus>;
  /** Tears the stage down. A protected stage is refused unless `force` says the user explicitly confirmed it. */
  destroy(stack: Stack, stage: Stage, ctx?: WorkContext & { force?: boolean }): Promise<void>;
  applyConfiguration(stack: Stack, stage: Stage, change: { env?: Record<string, EnvValue>; origins?: string[] }, ctx?: WorkContext): Promise<void>;
  /** Stores a value the stage's `env` refers to as `{ secret: name }`; the value never goes into a file of the repository. */
  storeSecret(stack: Stack, stage: Stage, name: string, value: string, ctx?: WorkContext): Promise<void>;
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
  /** The executor that runs pipeline steps for stages of this provider. */
  pipelineExecutor(stack: Stack): StepExecutor;
}

export interface ArtifactRef {
  /** Content hash of the built artifact. */
  id: string;
  commit: string;
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
}
