/**
 * The typed protocol between a panel's page (webview/<panel>/main.ts) and its host
 * (src/ui/panels). Types only: the page imports this file and nothing else from src/, so no
 * host code or zod ends up in a page bundle. The host validates every page message with the
 * zod schemas in ./schemas.ts before it acts on it.
 *
 * The conversation:
 *   page → host  { type: 'ready' }                 once its listener is installed (the host posts nothing before)
 *   host → page  { type: 'init', init }            the panel's data; again whenever stagecraft.yaml changes
 *   page → host  { type: 'request', id, request }  a question or an action
 *   host → page  { type: 'reply', id, ok, … }      exactly one reply per request id; errors are replies too
 *   page → host  { type: 'interactive' }           the form is rendered and focusable (for the benchmark)
 *   page → host  { type: 'edits', dirty, draft? }  whether the page holds unsaved edits, and what they are
 *                                                 (the host marks the tab and asks "Save changes?" on close)
 */

export type PanelKind = 'addStage' | 'environment' | 'origins' | 'database';

export const PANEL_KINDS: readonly PanelKind[] = ['addStage', 'environment', 'origins', 'database'];

/** A value of an environment variable as the file holds it: text, or a reference to a stage secret. */
export type EnvValueDraft = { kind: 'text'; text: string } | { kind: 'secret'; secret: string };

export interface EnvRowDraft {
  name: string;
  value: EnvValueDraft;
}

export interface AddStageForm {
  name: string;
  provider: string;
  /** The provider's own fields (ProviderModule.addStageFields) by key: `region`, `loadBalancer`. */
  options: Record<string, string | boolean>;
  database: boolean;
  requireApproval: boolean;
  /** '' for first; a stage name to follow it; absent for last. */
  after?: string;
  /** Comma- or newline-separated branch patterns. */
  branches: string;
}

/** Problems of a form, by field name (`name`, `region`, `rows.3.name`, …), as the core rules word them. */
export type FieldProblems = Record<string, string>;

// ---- what each panel is given --------------------------------------------------------------

export interface StageHeader {
  stack: string;
  stage: string;
  provider: string;
  /** A few words after the provider's name (an AWS stage's region), from its module. */
  placement?: string;
  /** Whether a provider for this stage is registered in this build (Apply, Reveal, … need one). */
  providerAvailable: boolean;
}

export interface AddStageInit extends Restorable<'addStage'> {
  panel: 'addStage';
  stack: string;
  existingStages: string[];
  /** Where a new stage goes unless the user picks: after this stage ('' = first); absent = last. */
  defaultAfter?: string;
  defaultProvider: string;
  /** The registered providers, in order, for the provider choice, each with its own fields. */
  providers: AddStageProviderChoice[];
  /** Stage names that are protected (manual approval, load balancer) by default, e.g. prod. */
  protectedByDefault: string[];
}

export interface AddStageProviderChoice {
  name: string;
  description: string;
  fields: Array<{ key: string; label: string; kind: 'text' | 'checkbox'; hint?: string; placeholder?: string; initial: string | boolean; followsProtection?: boolean }>;
}

export interface EnvironmentInit extends Restorable<'environment'> {
  panel: 'environment';
  header: StageHeader;
  rows: EnvRowDraft[];
  /** `ENV` of the service's Dockerfile: the stage's variables override these. */
  dockerfileEnv: Array<{ name: string; value: string; line: number }>;
  dockerfile: string;
  reserved: string[];
  /** A fingerprint of the stage's env in the file, so a draft knows when the file changed under it. */
  revision: string;
}

export interface OriginsInit extends Restorable<'origins'> {
  panel: 'origins';
  header: StageHeader;
  origins: string[];
  revision: string;
}

export interface DatabaseInit {
  panel: 'database';
  header: StageHeader;
  hasDatabase: boolean;
}

/** A page's unsaved edits, as it reports them: what "Save" on close would write. */
export type PanelDraft =
  | { panel: 'addStage'; form: AddStageForm }
  | { panel: 'environment'; rows: EnvRowDraft[] }
  | { panel: 'origins'; origins: string[]; adding: string };

/**
 * Edits a page reported before it was closed, handed back when it is reopened (the user cancelled
 * "Save changes?", or saving them failed): the page starts from these instead of the file.
 */
export interface Restorable<D extends PanelDraft['panel']> {
  restored?: Extract<PanelDraft, { panel: D }>;
}

export type PanelInit = AddStageInit | EnvironmentInit | OriginsInit | DatabaseInit;

// ---- requests and their results -------------------------------------------------------------

export interface EnvRowCheck {
  nameProblem?: string;
  /** Why the value looks like a secret (a known key prefix, high entropy, …); absent when it does not. */
  secretLike?: string;
  /** The Dockerfile's value this row overrides, when it does. */
  overrides?: string;
}

export interface DatabaseConnection {
  host: string;
  port: number;
  database: string;
  username: string;
}

/** Every request a page may send: its params and the result of a successful reply. */
export interface Requests {
  'addStage.validate': { params: { form: AddStageForm }; result: { problems: FieldProblems } };
  'addStage.create': { params: { form: AddStageForm }; result: { stage: string } };
  'addStage.useQuickPick': { params: Record<string, never>; result: { opened: true } };
  'environment.check': { params: { rows: EnvRowDraft[] }; result: { rows: EnvRowCheck[]; problems: FieldProblems } };
  'environment.save': { params: { rows: EnvRowDraft[] }; result: { changed: number; revision: string } };
  /** Hands a value to the provider as a stage secret; the row then refers to it by name. */
  'environment.keepSecret': { params: { name: string; value: string }; result: { secret: string } };
  'environment.apply': { params: Record<string, never>; result: { applied: true } };
  'origins.check': { params: { origins: string[] }; result: { problems: FieldProblems } };
  'origins.save': { params: { origins: string[] }; result: { changed: number; revision: string } };
  'origins.apply': { params: Record<string, never>; result: { applied: true } };
  'database.connection': { params: Record<string, never>; result: DatabaseConnection };
  'database.reveal': { params: Record<string, never>; result: { password: string } };
  'database.copy': { params: Record<string, never>; result: { copied: true } };
  'database.rotate': { params: Record<string, never>; result: { rotated: true } };
  'database.create': { params: Record<string, never>; result: { created: true } };
  'stack.open': { params: Record<string, never>; result: { opened: true } };
}

export type RequestKind = keyof Requests;
export type RequestParams<K extends RequestKind> = Requests[K]['params'];
export type RequestResult<K extends RequestKind> = Requests[K]['result'];

export type PanelRequest = { [K in RequestKind]: { kind: K; params: RequestParams<K> } }[RequestKind];

/** Which requests each panel may send; anything else is refused with an error reply. */
export const PANEL_REQUESTS: Record<PanelKind, readonly RequestKind[]> = {
  addStage: ['addStage.validate', 'addStage.create', 'addStage.useQuickPick', 'stack.open'],
  environment: ['environment.check', 'environment.save', 'environment.keepSecret', 'environment.apply', 'stack.open'],
  origins: ['origins.check', 'origins.save', 'origins.apply', 'stack.open'],
  database: ['database.connection', 'database.reveal', 'database.copy', 'database.rotate', 'database.create', 'stack.open'],
};

// ---- envelopes --------------------------------------------------------------------------------

export type PageMessage =
  | { type: 'ready' }
  | { type: 'interactive' }
  | { type: 'edits'; dirty: boolean; draft?: PanelDraft }
  | { type: 'request'; id: number; request: PanelRequest };

/**
 * What went wrong, as the page shows it. `kind` follows StagecraftError (`unavailable`: a
 * provider or feature missing in this build), plus `protocol` for a message the host refused and
 * `cancelled` for a confirmation the user declined.
 */
export interface ErrorReply {
  kind: 'usage' | 'input' | 'failure' | 'unavailable' | 'cancelled' | 'protocol';
  message: string;
  hint?: string;
  /** Per-field problems, for inline messages. */
  fields?: FieldProblems;
}

export type ReplyMessage =
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number | null; ok: false; error: ErrorReply };

export type HostMessage = { type: 'init'; init: PanelInit } | ReplyMessage;
