/**
 * CORS as the stage's proxy enforces it. The stage's origin list is the truth: the service's own
 * Access-Control-* headers are dropped, allowed origins get their origin echoed back (never `*`,
 * so cookies and credentials work), preflights are answered here and never reach the service.
 */

export const ALLOW_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
/** Browsers cap this (Chromium at 2 hours); 10 minutes keeps an origin change from lingering. */
export const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** Response headers that browsers let scripts read without being exposed. */
const SAFELISTED = new Set(['cache-control', 'content-language', 'content-length', 'content-type', 'expires', 'last-modified', 'pragma']);
/** Never listed as exposed: browsers hide them anyway, or they describe the connection. */
const NOT_EXPOSED = new Set(['set-cookie', 'set-cookie2', 'vary', 'connection', 'keep-alive', 'transfer-encoding', 'date']);

export function isPreflight(method: string | undefined, headers: NodeJS.Dict<string | string[]>): boolean {
  return method === 'OPTIONS' && headers.origin !== undefined && headers['access-control-request-method'] !== undefined;
}

/** Headers of the 204 answer to an allowed preflight, as a flat [name, value, …] list. */
export function preflightHeaders(origin: string, requestedHeaders: string | undefined): string[] {
  const out = [
    'Access-Control-Allow-Origin', origin,
    'Access-Control-Allow-Credentials', 'true',
    'Access-Control-Allow-Methods', ALLOW_METHODS,
    'Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS),
    'Vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    'Content-Length', '0',
  ];
  // An allowed origin may send any header it asks for; echo only well-formed header names.
  if (requestedHeaders && /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/.test(requestedHeaders.trim())) {
    out.push('Access-Control-Allow-Headers', requestedHeaders.trim());
  }
  return out;
}

/** CORS headers for an actual response to an allowed origin; exposes every header the service sent. */
export function responseCorsHeaders(origin: string, responseHeaderNames: Iterable<string>): string[] {
  const out = ['Access-Control-Allow-Origin', origin, 'Access-Control-Allow-Credentials', 'true'];
  const expose = new Set<string>();
  for (const name of responseHeaderNames) {
    const lower = name.toLowerCase();
    if (!SAFELISTED.has(lower) && !NOT_EXPOSED.has(lower) && !lower.startsWith('access-control-')) expose.add(lower);
  }
  if (expose.size > 0) out.push('Access-Control-Expose-Headers', [...expose].join(', '));
  return out;
}
