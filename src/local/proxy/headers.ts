import type { IncomingMessage } from 'node:http';

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1); a proxy never forwards them. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'upgrade']);

/** Plus any header the Connection header itself names. */
function connectionNamed(raw: string[]): Set<string> | undefined {
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length !== 10 || raw[i].toLowerCase() !== 'connection') continue;
    for (const token of raw[i + 1].split(',')) {
      const t = token.trim().toLowerCase();
      if (t && t !== 'close' && t !== 'keep-alive' && t !== 'upgrade') (named ??= new Set()).add(t);
    }
  }
  return named;
}

/**
 * The request headers to send upstream, as a flat list: the client's end-to-end headers
 * (Host kept, so the service sees the stage's URL), X-Forwarded-For appended to,
 * X-Forwarded-Proto and X-Forwarded-Host set by this proxy (it is the edge).
 * With `upgrade`, Connection/Upgrade are kept for a protocol switch (websockets).
 */
export function upstreamRequestHeaders(req: IncomingMessage, fallbackHost: string, upgrade = false): string[] {
  const raw = req.rawHeaders;
  const named = connectionNamed(raw);
  const out: string[] = [];
  let forwardedFor: string | undefined;
  let host: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const lower = name.toLowerCase();
    if (lower === 'x-forwarded-for') {
      forwardedFor = forwardedFor === undefined ? raw[i + 1] : `${forwardedFor}, ${raw[i + 1]}`;
      continue;
    }
    if (lower === 'x-forwarded-proto' || lower === 'x-forwarded-host') continue;
    if (lower === 'host') host = raw[i + 1];
    if (HOP_BY_HOP.has(lower) || named?.has(lower)) {
      if (upgrade && lower === 'upgrade') out.push(name, raw[i + 1]);
      continue;
    }
    out.push(name, raw[i + 1]);
  }
  if (host === undefined) {
    host = fallbackHost;
    out.push('Host', host);
  }
  const client = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  out.push('X-Forwarded-For', forwardedFor === undefined ? client : `${forwardedFor}, ${client}`);
  out.push('X-Forwarded-Proto', 'http');
  out.push('X-Forwarded-Host', host);
  if (upgrade) out.push('Connection', 'Upgrade');
  return out;
}

/**
 * The service's response headers to pass on, as a flat list: hop-by-hop headers, Transfer-Encoding
 * (Node re-frames the body for the client) and every Access-Control-* header (the stage's origin
 * list decides CORS, not the service) removed; `Origin` added to Vary, since this proxy answers by it.
 * Also returns the names kept, to expose them to allowed origins.
 */
export function downstreamResponseHeaders(raw: string[]): { headers: string[]; names: string[] } {
  const named = connectionNamed(raw);
  const headers: string[] = [];
  const names: string[] = [];
  let vary: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || lower === 'transfer-encoding' || named?.has(lower) || lower.startsWith('access-control-')) continue;
    if (lower === 'vary') {
      vary = vary === undefined ? raw[i + 1] : `${vary}, ${raw[i + 1]}`;
      continue;
    }
    headers.push(name, raw[i + 1]);
    names.push(name);
  }
  headers.push('Vary', withOrigin(vary));
  return { headers, names };
}

function withOrigin(vary: string | undefined): string {
  if (vary === undefined || vary.trim() === '') return 'Origin';
  const parts = vary.split(',').map(p => p.trim().toLowerCase());
  return parts.includes('origin') || parts.includes('*') ? vary : `${vary}, Origin`;
}
