import type { RunEvent, RunEventType } from './types';

type Listener = (event: RunEvent) => void;

/**
 * A run's event stream for the tree, output channels and the CLI. Subscribing returns the
 * function that unsubscribes (wrap it in a Disposable in the UI). A listener that throws is
 * cut off from that one event and never breaks the run or other listeners.
 */
export class RunEvents {
  private readonly listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    const wrapped: Listener = e => listener(e);
    this.listeners.add(wrapped);
    return () => this.listeners.delete(wrapped);
  }

  on<T extends RunEventType>(type: T, listener: (event: Extract<RunEvent, { type: T }>) => void): () => void {
    return this.subscribe(e => {
      if (e.type === type) listener(e as Extract<RunEvent, { type: T }>);
    });
  }

  emit(event: RunEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A broken view must not stop a deploy.
      }
    }
  }
}
