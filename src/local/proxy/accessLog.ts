/**
 * Apache "combined" log lines plus the Origin: `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i" "%{Origin}i"`
 * (a trailing field, as Apache's own custom formats add them; readers of "combined" match the prefix),
 * escaped the way Apache escapes them (quotes and backslashes, control and non-ASCII bytes as \xhh),
 * so every log tool that reads Apache logs reads these.
 */
export interface AccessRecord {
  remoteAddress: string | undefined;
  time: Date;
  method: string;
  url: string;
  httpVersion: string;
  status: number;
  /** Response body bytes sent; 0 is written as "-" as Apache does. */
  bytes: number;
  referer: string | undefined;
  userAgent: string | undefined;
  /** The Origin header, so a refused (or allowed) cross-site caller shows up in the log. */
  origin?: string | undefined;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function combinedLogLine(r: AccessRecord): string {
  const host = (r.remoteAddress ?? '-').replace(/^::ffff:/, '');
  const request = `${r.method} ${r.url} HTTP/${r.httpVersion}`;
  return `${host} - - [${apacheTime(r.time)}] "${escapeField(request)}" ${r.status} ${r.bytes > 0 ? r.bytes : '-'} "${quoted(r.referer)}" "${quoted(r.userAgent)}" "${quoted(r.origin)}"`;
}

/** `10/Oct/2000:13:55:36 -0700`, in local time like Apache. */
export function apacheTime(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${pad(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

function quoted(value: string | undefined): string {
  return value === undefined || value === '' ? '-' : escapeField(value);
}

export function escapeField(value: string): string {
  // Fast path: printable ASCII without quote or backslash, the common case.
  if (/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/.test(value)) return value;
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    if (byte === 0x22) out += '\\"';
    else if (byte === 0x5c) out += '\\\\';
    else if (byte < 0x20 || byte > 0x7e) out += '\\x' + byte.toString(16).padStart(2, '0');
    else out += String.fromCharCode(byte);
  }
  return out;
}
