import { listRunIds, readRun } from '../pipeline/store';
import type { LogLine, LogOptions, Provider, WorkContext } from '../provider';
import type { Stack, Stage } from '../model';
import { startTimeOf } from './since';
import { deployMarkers, type DeployMarker } from './markers';
import { DeployTimeline } from './timeline';

export interface MarkedTailOptions {
  follow: boolean;
  /** The tail's start (epoch ms). */
  startTime: number;
  signal?: AbortSignal;
  /** The before/after window of the error summary (default 5 minutes). */
  windowMs?: number;
  /** How often the run records are read again while following (default 2 s). */
  refreshMs?: number;
  /** How long the log must be quiet before markers and summaries are shown without a line after them (default 1.5 s). */
  quietMs?: number;
  now?: () => number;
}

/**
 * A log tail with the stage's deployment markers between its lines (see DeployTimeline). The
 * markers are read once for a plain read; while following they are read again every `refreshMs`,
 * so a deploy that starts during the tail shows up in it. Unreadable run records cost the markers,
 * never the tail.
 */
export async function* withDeployMarkers(lines: AsyncIterable<LogLine>, loadMarkers: () => Promise<DeployMarker[]>, options: MarkedTailOptions): AsyncGenerator<LogLine> {
  const now = options.now ?? Date.now;
  const timeline = new DeployTimeline({ startTime: options.startTime, windowMs: options.windowMs });
  const load = async () => timeline.addMarkers(await loadMarkers().catch(() => []));
  await load();
  const iterator = lines[Symbol.asyncIterator]();
  try {
    if (!options.follow) {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield* timeline.line(next.value);
      yield* timeline.end(now());
      return;
    }
    const refreshMs = options.refreshMs ?? 2000;
    const quietMs = options.quietMs ?? 1500;
    let lastLoad = now();
    let pending = iterator.next();
    for (;;) {
      const next = await firstOf(pending, quietMs, options.signal);
      if (now() - lastLoad >= refreshMs) {
        await load();
        lastLoad = now();
      }
      if (next === 'quiet') {
        if (options.signal?.aborted) break;
        yield* timeline.due(now());
        continue;
      }
      if (next.done) break;
      pending = iterator.next();
      yield* timeline.line(next.value);
    }
    // Stopped or ended: the summaries of the switches still open, over what was seen so far.
    yield* timeline.end(now());
  } finally {
    // Not awaited: a source still waiting for its next line ends on the signal, not on return().
    void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

/** The next result, or 'quiet' when none came within `ms` (or the signal fired). */
function firstOf<T>(next: Promise<T>, ms: number, signal?: AbortSignal): Promise<T | 'quiet'> {
  return new Promise<T | 'quiet'>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', quiet);
    };
    const quiet = () => {
      done();
      resolve('quiet');
    };
    const timer = setTimeout(quiet, ms);
    signal?.addEventListener('abort', quiet, { once: true });
    next.then(
      value => {
        done();
        resolve(value);
      },
      err => {
        done();
        reject(err);
      },
    );
  });
}

const FINISHED = new Set(['succeeded', 'failed', 'rejected', 'cancelled']);

/**
 * The markers of a stage from the run records of the stack at `root`: the newest `limit` runs
 * (default 200), a finished run read once, a running one read again on each call.
 */
export function stageMarkers(root: string, stage: string, limit = 200): () => Promise<DeployMarker[]> {
  const finished = new Map<string, DeployMarker[]>();
  return async () => {
    const ids = (await listRunIds(root)).slice(0, limit);
    const shares = await Promise.all(
      ids.map(async id => {
        const known = finished.get(id);
        if (known) return known;
        const run = await readRun(root, id).catch(() => undefined);
        if (!run) return [];
        const markers = deployMarkers([run], stage);
        if (FINISHED.has(run.status)) finished.set(id, markers);
        return markers;
      }),
    );
    return shares.flat().sort((a, b) => a.time - b.time);
  };
}

/**
 * A stage's log as the CLI and the Tail Logs terminal show it: the provider's lines with the
 * deploys, switches, rollbacks and approvals of the run records between them (the same for every
 * provider, so providers yield only their own lines).
 */
export function stageLogs(provider: Pick<Provider, 'logs'>, stack: Stack, stage: Stage, options: LogOptions, ctx: WorkContext = {}): AsyncIterable<LogLine> {
  const lines = provider.logs(stack, stage, options, ctx);
  return withDeployMarkers(lines, stageMarkers(stack.root, stage.name), { follow: options.follow, startTime: startTimeOf(options.sinceMs), signal: ctx.signal });
}
