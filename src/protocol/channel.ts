import { StagecraftError, toStagecraftError } from '../core/errors';
import { redactor } from '../core/redact';
import {
  PANEL_REQUESTS,
  type ErrorReply,
  type FieldProblems,
  type HostMessage,
  type PanelDraft,
  type PanelInit,
  type PanelKind,
  type PanelRequest,
  type RequestKind,
  type RequestParams,
  type RequestResult,
} from './messages';
import { parsePageMessage } from './schemas';

/** A failed form: one message for the panel and one per field for the inline messages. */
export class FormError extends StagecraftError {
  constructor(message: string, readonly fields: FieldProblems) {
    super(message, { kind: 'input' });
  }
}

export type RequestHandlers = {
  [K in RequestKind]?: (params: RequestParams<K>) => Promise<RequestResult<K>> | RequestResult<K>;
};

export interface HostChannelOptions {
  panel: PanelKind;
  /** Posts to the page (webview.postMessage); called only after the page said it is ready. */
  post(message: HostMessage): unknown;
  /** The panel's data, read fresh for each ready handshake and each refresh(). */
  loadInit(): Promise<PanelInit>;
  handlers: RequestHandlers;
  /** Where refused messages and failed requests are noted (the extension log; lines are redacted there too). */
  log?: (line: string) => void;
  onInteractive?: () => void;
  /** The page's unsaved edits changed (only drafts of this channel's own panel get here). */
  onEdits?: (dirty: boolean, draft: PanelDraft | undefined) => void;
}

/** Requests that change something: they run one at a time, so a double click cannot write twice. */
const MUTATING = new Set<RequestKind>([
  'addStage.create',
  'environment.save',
  'environment.keepSecret',
  'environment.apply',
  'origins.save',
  'origins.apply',
  'database.rotate',
  'database.create',
]);

/**
 * The host's end of one panel's conversation, with no vscode in it so that it can be tested in
 * plain Node: validates every message with zod, refuses requests the panel may not make, answers
 * each request id exactly once (errors included), and posts nothing unasked (the panel's data)
 * until the page has said it is ready.
 */
export class HostChannel {
  private ready = false;
  private disposed = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: HostChannelOptions) {}

  get isReady(): boolean {
    return this.ready;
  }

  /** Handles one message from the page. Never throws: every failure becomes an error reply or a log line. */
  async receive(raw: unknown): Promise<void> {
    if (this.disposed) return;
    const parsed = parsePageMessage(raw);
    if (!parsed.ok) {
      this.note(`refused a message: ${parsed.problem}`);
      // A reply only when the message carried an id to answer.
      if (parsed.id !== null) this.post({ type: 'reply', id: parsed.id, ok: false, error: { kind: 'protocol', message: `The panel sent a ${parsed.problem}.` } });
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'ready':
        this.ready = true;
        await this.refresh();
        return;
      case 'interactive':
        this.options.onInteractive?.();
        return;
      case 'edits':
        if (message.draft && message.draft.panel !== this.options.panel) {
          this.note(`refused a draft of the ${message.draft.panel} panel`);
          return;
        }
        this.options.onEdits?.(message.dirty, message.dirty ? message.draft : undefined);
        return;
      case 'request': {
        const { id, request } = message;
        const run = () => this.answer(id, request);
        if (MUTATING.has(request.kind)) {
          const next = this.queue.then(run, run);
          this.queue = next;
          await next;
        } else {
          await run();
        }
      }
    }
  }

  /** Sends the panel's data again (after stagecraft.yaml changed); a no-op until the page is ready. */
  async refresh(): Promise<void> {
    if (!this.ready || this.disposed) return;
    try {
      const init = await this.options.loadInit();
      this.post({ type: 'init', init });
    } catch (err) {
      this.note(`could not load the panel's data: ${toStagecraftError(err).message}`);
    }
  }

  dispose(): void {
    this.disposed = true;
  }

  private async answer(id: number, request: PanelRequest): Promise<void> {
    try {
      if (!PANEL_REQUESTS[this.options.panel].includes(request.kind)) {
        throw new ProtocolRefusal(`The ${this.options.panel} panel cannot send "${request.kind}".`);
      }
      const handler = this.options.handlers[request.kind] as ((params: unknown) => unknown) | undefined;
      if (!handler) throw new StagecraftError(`"${request.kind}" is not available in this version of Stagecraft yet.`, { kind: 'unavailable' });
      const result = await handler(request.params);
      this.post({ type: 'reply', id, ok: true, result });
    } catch (err) {
      const error = toErrorReply(err);
      if (error.kind !== 'cancelled' && error.kind !== 'input') this.note(`${request.kind} failed: ${error.message}`);
      this.post({ type: 'reply', id, ok: false, error });
    }
  }

  private post(message: HostMessage): void {
    if (this.disposed) return;
    try {
      void Promise.resolve(this.options.post(message)).catch(() => undefined);
    } catch {
      // The webview was disposed between the check and the post: nothing to tell.
    }
  }

  private note(line: string): void {
    this.options.log?.(`${this.options.panel} panel: ${line}`);
  }
}

class ProtocolRefusal extends Error {}

/** What the page is told about a failure: the message a person can act on, never a stack or a secret. */
export function toErrorReply(err: unknown): ErrorReply {
  if (err instanceof ProtocolRefusal) return { kind: 'protocol', message: err.message };
  const e = toStagecraftError(err);
  if (e.cancelled) return { kind: 'cancelled', message: redactor.redact(e.message) };
  const reply: ErrorReply = { kind: e.kind, message: redactor.redact(e.message) };
  if (e.hint) reply.hint = redactor.redact(e.hint);
  if (err instanceof FormError) reply.fields = err.fields;
  return reply;
}
