import { runHttpChecks } from '../core/pipeline';
import type { StepOutcome } from '../core/pipeline/types';
import { sleep } from './wait';

type Checks = Parameters<typeof runHttpChecks>[1];

/** How long health and synthetic checks of an AWS stage keep retrying by default: a new ALB's DNS name and targets take a while. */
export const CHECK_RETRY_MS = 120_000;

/**
 * The retry budget: `STAGECRAFT_AWS_CHECK_SECONDS` in the environment (CI, the pipeline build)
 * wins over the provider's option, which wins over the default.
 */
export function checkRetryMs(option?: number, env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env.STAGECRAFT_AWS_CHECK_SECONDS);
  if (env.STAGECRAFT_AWS_CHECK_SECONDS && Number.isFinite(fromEnv) && fromEnv >= 0) return fromEnv * 1000;
  return option ?? CHECK_RETRY_MS;
}

export interface RetryOptions {
  /** Keep trying for this long after the first attempt. */
  forMs: number;
  /** First pause between attempts; doubles up to `maxDelayMs`. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** Runs the checks until they all pass or the time is up (exponential backoff); the last outcome says why it failed. */
export async function checkWithBackoff(url: string, checks: Checks, o: RetryOptions): Promise<StepOutcome> {
  // A stage routed by path prefix answers under it (http://lb/dev/): check paths are taken relative to it.
  if (new URL(url).pathname !== '/') checks = checks.map(c => ({ ...c, path: c.path.replace(/^\/+/, '') }));
  const deadline = Date.now() + o.forMs;
  let delay = o.firstDelayMs ?? 2_000;
  for (let attempt = 1; ; attempt++) {
    const outcome = await runHttpChecks(url, checks, { signal: o.signal, log: o.log, timeoutMs: o.timeoutMs ?? 10_000 });
    if (outcome.status === 'succeeded') return { status: 'succeeded', summary: attempt > 1 ? `${outcome.summary} (attempt ${attempt})` : outcome.summary };
    const left = deadline - Date.now();
    if (left <= 0) return { status: outcome.status, summary: `${outcome.summary} — still failing after ${attempt} attempt${attempt === 1 ? '' : 's'} over ${Math.round(o.forMs / 1000)} s` };
    const wait = Math.min(delay, left);
    o.log?.(`not healthy yet; trying again in ${Math.round(wait / 1000)} s`);
    await sleep(wait, o.signal);
    delay = Math.min(delay * 2, o.maxDelayMs ?? 30_000);
  }
}
