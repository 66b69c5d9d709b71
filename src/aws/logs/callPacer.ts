import { StagecraftError } from '../../core/errors';

/**
 * Spaces API calls at least `intervalMs` apart (start to start), so one log tail never makes more
 * than one call per interval however it is used: paging, polling, Live Tail restarts and the
 * look-ups before them all go through the same pacer.
 */
export class CallPacer {
  private nextAt = 0;
  private calls = 0;

  constructor(
    readonly intervalMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** How many calls went through so far. */
  get count(): number {
    return this.calls;
  }

  /** Waits for the next slot (or the signal), then runs `call`. */
  async run<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const wait = this.nextAt - this.clock();
    if (wait > 0) await sleep(wait, signal);
    if (signal?.aborted) throw StagecraftError.cancelled('The log tail');
    this.nextAt = this.clock() + this.intervalMs;
    this.calls++;
    return call();
  }

  /** Resolves when the next call may start (used to wait between polls without making one). */
  async ready(signal?: AbortSignal): Promise<void> {
    const wait = this.nextAt - this.clock();
    if (wait > 0) await sleep(wait, signal);
  }
}

/** setTimeout that ends early, without throwing, when the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise(resolve => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
