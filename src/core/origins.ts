/** CORS origins as `scheme://host[:port]`, the form browsers send in the Origin header. */

const ORIGIN = /^(https?):\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;

/** Why `origin` is not a valid origin, or undefined. */
export function originProblem(origin: string): string | undefined {
  const m = ORIGIN.exec(origin);
  if (!m) return `"${origin}" is not an origin: expected scheme://host[:port], for example https://app.example.com, with no path`;
  if (m[3] !== undefined) {
    const port = Number(m[3]);
    if (port < 1 || port > 65535) return `"${origin}" has port ${port}: expected 1 to 65535`;
  }
  return undefined;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The default when a stage lists no origins: only pages served from this machine may call it. */
export function isLocalhostOrigin(origin: string): boolean {
  const m = ORIGIN.exec(origin);
  return m !== null && LOCAL_HOSTS.has(m[2].toLowerCase());
}

/** Whether a request from `origin` may be answered with CORS headers for a stage allowing `allowed`. */
export function isOriginAllowed(origin: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return isLocalhostOrigin(origin);
  const lower = origin.toLowerCase();
  return allowed.some(a => a.toLowerCase() === lower);
}
