/**
 * Polls `probe` until it returns something truthy and returns that. File watchers and tree
 * refreshes are asynchronous; polling with a deadline keeps tests fast when they are fast and
 * tells what was awaited when they are not (no fixed sleeps).
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { timeoutMs = 10_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      lastError = undefined;
    } catch (err) {
      lastError = err; // e.g. an assertion inside the probe; reported if it never passes
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise(resolve => setTimeout(resolve, intervalMs));
  }
}
