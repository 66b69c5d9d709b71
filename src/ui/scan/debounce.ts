import type * as vscode from 'vscode';

/**
 * Runs at most one piece of work per document: a newer request waits `delayMs` and cancels the
 * pending or running older one (its AbortSignal fires), so quick saves never pile up scans.
 */
export class PerDocumentRunner implements vscode.Disposable {
  private readonly entries = new Map<string, { timer?: NodeJS.Timeout; controller: AbortController }>();

  constructor(private readonly delayMs: number) {}

  schedule(key: string, work: (signal: AbortSignal) => Promise<void>): void {
    this.cancel(key);
    const controller = new AbortController();
    const entry: { timer?: NodeJS.Timeout; controller: AbortController } = { controller };
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void work(controller.signal).finally(() => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      });
    }, this.delayMs);
    this.entries.set(key, entry);
  }

  cancel(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.controller.abort();
    this.entries.delete(key);
  }

  /** Work scheduled or running (the integration tests wait for it to settle). */
  get busy(): number {
    return this.entries.size;
  }

  dispose(): void {
    for (const key of [...this.entries.keys()]) this.cancel(key);
  }
}
