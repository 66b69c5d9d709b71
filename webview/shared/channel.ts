import type { ErrorReply, HostMessage, PageMessage, PanelDraft, PanelInit, RequestKind, RequestParams, RequestResult } from '../../src/protocol/messages';

interface VsCodeApi<State> {
  postMessage(message: PageMessage): void;
  getState(): State | undefined;
  setState(state: State | undefined): void;
}

declare function acquireVsCodeApi<State>(): VsCodeApi<State>;

/** A failed request, carrying what the host said (message, hint, per-field problems). */
export class ReplyError extends Error {
  constructor(readonly reply: ErrorReply) {
    super(reply.message);
  }
}

/**
 * The page's end of the protocol: says "ready" once its listener is in place, hands each `init`
 * to the panel, and turns requests into promises matched to their replies by id.
 */
export class PageChannel<Init extends PanelInit, State> {
  private readonly api: VsCodeApi<State> = acquireVsCodeApi<State>();
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(err: ReplyError): void }>();
  private nextId = 1;
  private saidInteractive = false;
  private lastEdits = JSON.stringify({ dirty: false });

  constructor(private readonly panel: Init['panel'], onInit: (init: Init) => void) {
    window.addEventListener('message', (event: MessageEvent) => {
      const message = event.data as HostMessage;
      if (typeof message !== 'object' || message === null) return;
      if (message.type === 'init' && message.init?.panel === this.panel) onInit(message.init as Init);
      if (message.type === 'reply' && typeof message.id === 'number') {
        const waiting = this.pending.get(message.id);
        if (!waiting) return;
        this.pending.delete(message.id);
        if (message.ok) waiting.resolve(message.result);
        else waiting.reject(new ReplyError(message.error));
      }
    });
    this.api.postMessage({ type: 'ready' });
  }

  request<K extends RequestKind>(kind: K, params: RequestParams<K>): Promise<RequestResult<K>> {
    const id = this.nextId++;
    return new Promise<RequestResult<K>>((resolve, reject) => {
      this.pending.set(id, { resolve: value => resolve(value as RequestResult<K>), reject });
      this.api.postMessage({ type: 'request', id, request: { kind, params } as Extract<PageMessage, { type: 'request' }>['request'] });
    });
  }

  /** Tells the host the form is rendered and focusable (once per page load). */
  interactive(): void {
    if (this.saidInteractive) return;
    this.saidInteractive = true;
    document.body.dataset.interactive = 'true';
    this.api.postMessage({ type: 'interactive' });
  }

  /**
   * Tells the host whether the page holds unsaved edits, and which (the tab's dirty mark; "Save
   * changes?" on close). Sent only when something changed.
   */
  edits(dirty: boolean, draft?: PanelDraft): void {
    const message = dirty ? { dirty, draft } : { dirty };
    const text = JSON.stringify(message);
    if (text === this.lastEdits) return;
    this.lastEdits = text;
    this.api.postMessage({ type: 'edits', ...message });
  }

  /** The draft kept across hide/show. Callers never put secret values in it. */
  get state(): State | undefined {
    return this.api.getState();
  }

  set state(value: State | undefined) {
    this.api.setState(value as State);
  }
}

/** The error of a failed request as a reply; anything else (a bug in the page) as a failure. */
export function errorOf(err: unknown): ErrorReply {
  if (err instanceof ReplyError) return err.reply;
  return { kind: 'failure', message: err instanceof Error ? err.message : String(err) };
}
