import type { SyntheticCheck } from '../model';
import type { StepOutcome } from './types';

export interface CheckOptions {
  signal?: AbortSignal;
  /** Per request. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface CheckResult {
  check: SyntheticCheck;
  ok: boolean;
  status?: number;
  /** Why it failed: "expected 200, got 503", "body does not contain …", "connection refused". */
  problem?: string;
  durationMs: number;
}

/**
 * Runs a stage's synthetic checks against `baseUrl` (the candidate's address before the switch),
 * one after the other, and sums them up as a step outcome. Any provider's executor can use it.
 */
export async function runHttpChecks(baseUrl: string, checks: SyntheticCheck[], options: CheckOptions = {}): Promise<StepOutcome & { results: CheckResult[] }> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    const result = await runHttpCheck(baseUrl, check, options);
    options.log?.(`${result.ok ? 'pass' : 'FAIL'} ${check.method} ${check.path} → ${result.status ?? '-'}${result.problem ? ` (${result.problem})` : ''} in ${result.durationMs} ms`);
    results.push(result);
  }
  const failed = results.filter(r => !r.ok);
  if (failed.length) {
    return {
      status: 'failed',
      summary: `${failed.length} of ${results.length} synthetic check${results.length > 1 ? 's' : ''} failed: ${failed.map(r => `${r.check.method} ${r.check.path}: ${r.problem}`).join('; ')}`,
      results,
    };
  }
  return { status: 'succeeded', summary: `${results.length} synthetic check${results.length === 1 ? '' : 's'} passed`, results };
}

export async function runHttpCheck(baseUrl: string, check: SyntheticCheck, options: CheckOptions = {}): Promise<CheckResult> {
  const started = Date.now();
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const url = new URL(check.path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).toString();
  const method = check.method ?? 'GET';
  const expect = check.expectStatus;
  try {
    const res = await fetch(url, { method, signal, redirect: 'manual' });
    const body = method === 'HEAD' ? '' : await res.text();
    const durationMs = Date.now() - started;
    const answered = expect === undefined ? res.status >= 200 && res.status < 300 : res.status === expect;
    if (!answered) return { check, ok: false, status: res.status, problem: `expected ${expect ?? '2xx'}, got ${res.status}`, durationMs };
    if (check.contains !== undefined && !body.includes(check.contains)) {
      return { check, ok: false, status: res.status, problem: `the body does not contain ${JSON.stringify(check.contains)}`, durationMs };
    }
    return { check, ok: true, status: res.status, durationMs };
  } catch (err) {
    if (options.signal?.aborted) throw err;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const problem = timeout.aborted ? `no answer within ${options.timeoutMs ?? 10_000} ms` : cause?.code ?? cause?.message ?? (err as Error).message;
    return { check, ok: false, problem, durationMs: Date.now() - started };
  }
}
