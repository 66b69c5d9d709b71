/**
 * Secrets hidden from a plain pattern match by a common encoding: base64, hex, or a string
 * split into concatenated literals (`"AKIA" + "…"`). Each candidate is decoded here and scanned
 * by the same rules; a finding points at the encoded text in the file.
 */
export type Encoding = 'base64' | 'hex' | 'concatenated strings';

export interface DecodedCandidate {
  /** Range of the encoded text in the scanned text. */
  start: number;
  end: number;
  text: string;
  encoding: Encoding;
}

const LITERAL = String.raw`(?:"(?:[^"\\\n]|\\.){0,400}"|'(?:[^'\\\n]|\\.){0,400}'|\x60(?:[^\x60\\\n$]|\\.){0,400}\x60)`;
/** Two or more string literals joined by `+`, `.`, `..`, `||` or plain adjacency (Python, C). */
const CONCATENATION = new RegExp(String.raw`${LITERAL}(?:\s*(?:\+|\.\.?|\|\||)\s*${LITERAL})+`, 'g');
const ONE_LITERAL = new RegExp(LITERAL, 'g');
const BASE64 = /(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/=_-])/g;
const HEX = /(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}){8,}(?![0-9A-Fa-f])/g;
/** Decoding stops after this many candidates per text: a bound on work, far above real files. */
const MAX_CANDIDATES = 20_000;
/** Encoded runs longer than this are data, not a hidden credential (a PEM key in base64 is ~4.5 KB). */
const MAX_ENCODED = 64 * 1024;

export function decodedCandidates(text: string): DecodedCandidate[] {
  const out: DecodedCandidate[] = [];
  const add = (c: DecodedCandidate) => {
    if (out.length < MAX_CANDIDATES) out.push(c);
  };
  for (const m of text.matchAll(CONCATENATION)) {
    const parts = [...m[0].matchAll(ONE_LITERAL)].map(p => unescape(p[0].slice(1, -1)));
    const joined = parts.join('');
    if (joined.length >= 12) add({ start: m.index, end: m.index + m[0].length, text: joined, encoding: 'concatenated strings' });
  }
  for (const m of text.matchAll(HEX)) {
    if (m[0].length > MAX_ENCODED) continue;
    const decoded = printable(Buffer.from(m[0], 'hex'));
    if (decoded) add({ start: m.index, end: m.index + m[0].length, text: decoded, encoding: 'hex' });
  }
  for (const m of text.matchAll(BASE64)) {
    if (m[0].length > MAX_ENCODED || /^[0-9A-Fa-f]+$/.test(m[0])) continue;
    const decoded = printable(Buffer.from(m[0], 'base64'));
    if (decoded) add({ start: m.index, end: m.index + m[0].length, text: decoded, encoding: 'base64' });
  }
  return out;
}

/** The bytes as text when they read as text (a credential does), else undefined. */
function printable(bytes: Buffer): string | undefined {
  if (bytes.length < 12) return undefined;
  let ok = 0;
  for (const b of bytes) if ((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09) ok++;
  return ok / bytes.length >= 0.97 ? bytes.toString('latin1') : undefined;
}

function unescape(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}
