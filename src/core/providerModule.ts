import type { ZodRawShape } from 'zod';
import type { StackSchema } from './config/schema';
import type { Stack, Stage } from './model';
import type { Provider } from './provider';

/**
 * A provider as a plug-in: everything Stagecraft knows of one provider (its stage keys, rules, verbs) is
 * in the folder that exports one of these. Composition roots register modules into a
 * `Providers` (see providers.ts); nothing else names a provider.
 */
export interface ProviderModule<P extends Provider = Provider> {
  /** The value of `provider:` in stagecraft.yaml. */
  readonly name: string;
  /** How messages name it ("AWS"); its name when absent. */
  readonly label?: string;
  /** One line for pickers and the Add Stage form: "ECS Fargate in your AWS account". */
  readonly description: string;
  /** The zod shapes of the stage keys only this provider reads; composed into the stage schema at load. */
  readonly stageOptions: ZodRawShape;
  /** Why `<stack>-<stage>` is not a valid name where this provider puts it, or undefined. */
  stageNameProblem?(stack: string, stage: string): string | undefined;
  /** A few words after the provider's name in the tree and `status`: a region. */
  describeStage?(stage: Stage): string | undefined;
  /** Short words for what the stage has from this provider ("load balancer"), listed by `status` and the tree. */
  stageTraits?(stage: Stage): string[];
  /**
   * Globs of files under a stack's `.stagecraft/` whose change may change a stage's status (the
   * local runtime's state files), so the tree refreshes when another process writes them.
   */
  readonly statusFiles?: readonly string[];
  /** What the Add Stage flows (form and quick pick) ask for a stage of this provider, in order. */
  readonly addStageFields?: readonly AddStageField[];
  /** The provider itself; called once per `Providers`, on first use, so heavy modules load late. */
  create(context: ProviderContext): Promise<P>;
  /**
   * What still runs from a state folder (stage processes, databases), named for a person: an old
   * `.stagecraft/` waits to be moved out of the repository until nothing runs from it.
   */
  stateInUse?(stateDir: string): Promise<string[]>;
  /**
   * Before a repository's state folder moves from `from` to `to` (a changed state home): copies what
   * the provider keeps elsewhere under names of paths in the folder (credential store entries) to
   * their names under `to`. `done` forgets the old names once the folder has moved, `undo` the new
   * ones when it did not. `stages`: the stack's stage names (some leave no file in the folder).
   */
  prepareStateMove?(from: string, to: string, stages: readonly string[]): Promise<StateMoveHandle>;
  /** What `stagecraft validate` adds for this provider's stages of `stack`, beyond the schema. */
  validateStack?(stack: Stack): Promise<ProviderValidation>;
  /** Refuses, before a run starts, what this provider cannot deploy at `commit` (throws an input error naming file and line). */
  checkRun?(stack: Stack, commit: string): Promise<void>;
  /** Verbs only this provider has (`stagecraft aws whoami`), loaded when the CLI runs. */
  cliCommands?(): Promise<CliCommand[]>;
}

export interface StateMoveHandle {
  done(): Promise<void>;
  undo(): Promise<void>;
}

/** A provider's part of `stagecraft validate`. */
export interface ProviderValidation {
  /** Problems that make the stack invalid, printed after the provider's label ("AWS: …"). */
  problems?: string[];
  /** A report of its own, printed as is (`error`: to stderr). */
  lines?: Array<{ text: string; error?: boolean }>;
  /** True when `lines` report something that makes the stack unusable (exit 2). */
  invalid?: boolean;
  /** Merged into `validate --json`. */
  json?: Record<string, unknown>;
}

/** One question of Add Stage, written to the new stage as `key:` (an empty text is left out). */
export interface AddStageField {
  key: string;
  label: string;
  kind: 'text' | 'checkbox';
  hint?: string;
  placeholder?: string;
  /** Its value in a new form: from the environment (AWS_REGION), or false. */
  initial?(): string | boolean;
  /** Ticked for a name protected by default (prod) until the user sets the options themselves. */
  followsProtection?: boolean;
  /** Why a text is refused, in the words the form shows under it. */
  problem?(value: string): string | undefined;
}

/** What a composition root gives the providers it creates. */
export interface ProviderContext {
  /** A setting of the host (the extension's `stagecraft.<key>`, a profile picked in the UI); undefined in the CLI. */
  setting(key: string): string | undefined;
}

/** Looks up providers by a stage's `provider:` (implemented by `Providers`). */
export interface ProviderLookup {
  names(): string[];
  has(name: string): boolean;
  module(name: string): ProviderModule | undefined;
  /** The provider of `name`; `action` names what the user tried when it is not registered. */
  get(name: string, action: string): Promise<Provider>;
}

/** What every CLI command gets: parsed options, where to write, the folder it works in, the providers. */
export interface CliContext {
  args: string[];
  cwd: string;
  out: (line: string) => void;
  err: (line: string) => void;
  signal: AbortSignal;
  providers: ProviderLookup & { stackSchema(): StackSchema; describeStage(stage: Stage): string };
}

export interface CliCommand {
  /** Words that name the command, e.g. ['stage', 'add']. */
  path: string[];
  usage: string;
  summary: string;
  run(ctx: CliContext): Promise<number>;
}
