/** How a webhook is posted: each attempt bounded, a few retries, never longer than that in all. */
export interface SendOptions {
  /** One attempt's limit, connection to last byte; default 5 s. */
  timeoutMs?: number;
  /** Waits before the 2nd, 3rd… attempt; default [500, 2000] (three attempts). */
  retryDelaysMs?: readonly number[];
}

export type SendResult = { ok: true; attempts: number } | { ok: false; attempts: number; reason: string };

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_RETRY_DELAYS_MS = [500, 2000];

/**
 * Posts `body` as JSON to `url`. Resolves, never rejects: a notification must not fail a run.
 * Retries what may pass on a second try (no answer, a timeout, 429, 5xx); a 4xx is final. The
 * reason never contains the URL (it is a secret); the caller masks it anyway.
 */
export async function postJson(url: string, body: unknown, options: SendOptions = {}): Promise<SendResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const payload = JSON.stringify(body);
  let reason = '';
  for (let attempt = 1; attempt <= delays.length + 1; attempt++) {
    if (attempt > 1) await sleep(delays[attempt - 2]);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'stagecraft' },
        body: payload,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      // Read the body so the connection is released; a few words of it help the reader.
      const text = (await response.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ').trim();
      if (response.ok) return { ok: true, attempts: attempt };
      reason = `HTTP ${response.status}${text ? ` (${text})` : ''}`;
      if (response.status !== 429 && response.status < 500) return { ok: false, attempts: attempt, reason };
    } catch (err) {
      reason = describeFailure(err, timeoutMs);
    }
  }
  return { ok: false, attempts: delays.length + 1, reason };
}

function describeFailure(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  // fetch's own message is "fetch failed"; the cause says why (ECONNREFUSED, ENOTFOUND…) without the URL.
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}
