import * as http from 'node:http';
import { StagecraftError } from '../../core/errors';

export interface WaitForHttpOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** The status (or statuses, or test) that counts as ready; default any 2xx or 3xx. */
  expectStatus?: number | readonly number[] | ((status: number) => boolean);
  /** Pause between attempts (default 200 ms). */
  intervalMs?: number;
  /** Names what is being waited for in the error, e.g. 'the health check of stage "dev"'. */
  what?: string;
}

export interface HttpReady {
  status: number;
  attempts: number;
  elapsedMs: number;
}

/**
 * GETs `url` until it answers with the expected status or the time runs out. Used by the caller
 * (pipeline health and synthetic steps) against a candidate's own port before promoting it.
 */
export async function waitForHttp(url: string, opts: WaitForHttpOptions): Promise<HttpReady> {
  const started = Date.now();
  const accepts = statusTest(opts.expectStatus);
  const what = opts.what ?? url;
  let attempts = 0;
  let last = 'no answer';
  for (;;) {
    if (opts.signal?.aborted) throw StagecraftError.cancelled(`Waiting for ${what}`);
    attempts++;
    const remaining = opts.timeoutMs - (Date.now() - started);
    try {
      const status = await getStatus(url, Math.max(100, Math.min(remaining, 5000)), opts.signal);
      if (accepts(status)) return { status, attempts, elapsedMs: Date.now() - started };
      last = `HTTP ${status}`;
    } catch (err) {
      if (opts.signal?.aborted) throw StagecraftError.cancelled(`Waiting for ${what}`);
      last = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    }
    if (Date.now() - started + (opts.intervalMs ?? 200) > opts.timeoutMs) {
      throw new StagecraftError(`${capitalize(what)} did not answer as expected within ${formatMs(opts.timeoutMs)} (GET ${url}: last answer ${last}, ${attempts} attempts).`, {
        kind: 'failure',
        hint: 'Check the app log for errors, and that the health path exists and returns 200.',
      });
    }
    await sleep(opts.intervalMs ?? 200, opts.signal);
  }
}

function statusTest(expect: WaitForHttpOptions['expectStatus']): (status: number) => boolean {
  if (typeof expect === 'function') return expect;
  if (typeof expect === 'number') return s => s === expect;
  if (Array.isArray(expect)) return s => expect.includes(s);
  return s => s >= 200 && s < 400;
}

function getStatus(url: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs, signal }, res => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise(resolve => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
