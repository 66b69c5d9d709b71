/**
 * The one error type of Stagecraft. Callers decide what the user sees from its fields:
 * a cancelled error is shown to nobody; `kind` picks the CLI exit code; `hint` is the next step.
 */
export type ErrorKind = 'usage' | 'input' | 'failure' | 'unavailable';

export interface StagecraftErrorOptions {
  kind?: ErrorKind;
  hint?: string;
  cause?: unknown;
  cancelled?: boolean;
}

export class StagecraftError extends Error {
  readonly kind: ErrorKind;
  readonly hint?: string;
  readonly cancelled: boolean;

  constructor(message: string, options: StagecraftErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StagecraftError';
    this.kind = options.kind ?? 'failure';
    this.hint = options.hint;
    this.cancelled = options.cancelled ?? false;
  }

  static cancelled(what = 'The operation'): StagecraftError {
    return new StagecraftError(`${what} was cancelled.`, { cancelled: true });
  }
}

/** Wraps anything thrown into a StagecraftError, keeping the original as its cause. */
export function toStagecraftError(err: unknown): StagecraftError {
  if (err instanceof StagecraftError) return err;
  if (isAbortError(err)) return StagecraftError.cancelled();
  const message = err instanceof Error ? err.message : String(err);
  return new StagecraftError(message, { cause: err });
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err as { code?: string }).code === 'ABORT_ERR');
}

/** Whether `err` means "the user or the caller cancelled": a cancelled StagecraftError or an abort. */
export function isCancelled(err: unknown): boolean {
  return (err instanceof StagecraftError && err.cancelled) || isAbortError(err);
}

/** Throws a cancelled StagecraftError when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw StagecraftError.cancelled(what);
}
