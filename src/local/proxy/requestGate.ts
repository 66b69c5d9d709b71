import { isOriginAllowed } from '../../core/origins';

/**
 * What the stage's proxy refuses before anything reaches the service:
 * - a Host header that is not one of the stage's own names (DNS rebinding: a page on another
 *   domain that resolves to 127.0.0.1 must not talk to the stage) → 421;
 * - an Origin header the stage does not allow, on ANY request (a form POST or a text/plain fetch
 *   needs no preflight, so refusing only preflights would let it write) → 403.
 * Requests without an Origin (curl, server to server) pass; so does the stage's own origin (a
 * page the app serves posting to itself, which browsers send with an Origin too).
 */
export interface GateOptions {
  stage: string;
  port: number;
  origins: readonly string[];
  /** Extra host names the stage answers to, with or without a port. */
  hosts?: readonly string[];
}

export type GateVerdict = { ok: true; corsOrigin?: string } | { ok: false; status: 421 | 403; message: string };

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

export function judgeRequest(headers: { host?: string; origin?: string | string[] }, opts: GateOptions): GateVerdict {
  const host = headers.host?.trim().toLowerCase();
  if (host !== undefined && !isOwnHost(host, opts)) {
    return {
      ok: false,
      status: 421,
      message: `Stage "${opts.stage}" answers only to ${ownHosts(opts).join(', ')}; this request named host "${host}", so it was refused (a page on another domain that resolves to this machine must not reach the stage). Use the stage's URL from \`stagecraft status\`.`,
    };
  }
  const origin = Array.isArray(headers.origin) ? headers.origin.join(', ') : headers.origin;
  if (origin === undefined) return { ok: true };
  if (isOriginAllowed(origin, opts.origins)) return { ok: true, corsOrigin: origin };
  if (host !== undefined && (origin.toLowerCase() === `http://${host}` || origin.toLowerCase() === `https://${host}`)) return { ok: true };
  const allowed = opts.origins.length > 0 ? opts.origins.join(', ') : 'pages served from this machine (localhost, 127.0.0.1, [::1])';
  return {
    ok: false,
    status: 403,
    message: `Stage "${opts.stage}" does not allow requests from origin ${origin}: it allows ${allowed}. The request was not forwarded. Add it to the stage's origins (stagecraft origins add ${opts.stage} <origin>).`,
  };
}

function ownHosts(opts: GateOptions): string[] {
  return [...LOOPBACK_NAMES.map(n => `${n}:${opts.port}`), ...(opts.hosts ?? [])];
}

function isOwnHost(host: string, opts: GateOptions): boolean {
  // A client leaves out the default port (80) from Host.
  if (LOOPBACK_NAMES.some(n => host === `${n}:${opts.port}` || (opts.port === 80 && host === n))) return true;
  // `<name>.localhost` always resolves to loopback (RFC 6761), so no other site can carry that name.
  if (new RegExp(`^[a-z0-9-]+(\\.[a-z0-9-]+)*\\.localhost(:${opts.port})?$`).test(host) && (host.endsWith(`:${opts.port}`) || opts.port === 80)) return true;
  return (opts.hosts ?? []).some(h => {
    const name = h.toLowerCase();
    return host === name || host === `${name}:${opts.port}`;
  });
}
