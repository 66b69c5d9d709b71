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

/** A string literal on one line: "…", '…' or `…` without interpolation. */
const LITERAL = /"(?:[^"\\\n]|\\.){0,400}"|'(?:[^'\\\n]|\\.){0,400}'|`(?:[^`\\\n$]|\\.){0,400}`/g;
/** What may join two literals: `+`, `.`, `..`, `||`, or nothing but space (Python, C). */
const JOINER = /^\s*(?:\+|\.\.?|\|\||)\s*$/;
/** Runs of base64 (standard or URL-safe) characters; hex is a subset. Matched with `+` (linear), filtered by length. */
const ENCODED_RUN = /[A-Za-z0-9+/_-]+={0,2}/g;
const HEX_ONLY = /^[0-9A-Fa-f]+$/;
/** Decoding stops after this many candidates per text: a bound on work, far above real files. */
const MAX_CANDIDATES = 20_000;
/** Encoded runs longer than this are data, not a hidden credential (a PEM key in base64 is ~4.5 KB). */
const MAX_ENCODED = 64 * 1024;

export function decodedCandidates(text: string): DecodedCandidate[] {
  const out: DecodedCandidate[] = [];
  const add = (c: DecodedCandidate) => {
    if (out.length < MAX_CANDIDATES) out.push(c);
  };
  // Concatenations: runs of literals with only a joiner between them (one pass over the literals).
  let run: RegExpExecArray[] = [];
  const flush = () => {
    if (run.length >= 2) {
      const parts = run.map(m => unescape(m[0].slice(1, -1)));
      const joined = parts.join('');
      // Only what the joining built: a long token no single literal holds (a plain one is found directly).
      if (builtToken(parts, joined)) add({ start: run[0].index, end: run[run.length - 1].index + run[run.length - 1][0].length, text: joined, encoding: 'concatenated strings' });
    }
    run = [];
  };
  for (const m of text.matchAll(LITERAL)) {
    const prev = run[run.length - 1];
    if (prev && !JOINER.test(text.slice(prev.index + prev[0].length, m.index))) flush();
    run.push(m as RegExpExecArray);
  }
  flush();
  for (const m of text.matchAll(ENCODED_RUN)) {
    const run = m[0];
    if (run.length < 16 || run.length > MAX_ENCODED) continue;
    const hex = HEX_ONLY.test(run);
    if (hex && run.length % 2 === 1) continue;
    const decoded = printable(Buffer.from(run, hex ? 'hex' : 'base64'));
    if (decoded) add({ start: m.index, end: m.index + run.length, text: decoded, encoding: hex ? 'hex' : 'base64' });
  }
  return out;
}

/** Whether joining `parts` made a token of 12+ non-space characters that spans two of them. */
function builtToken(parts: string[], joined: string): boolean {
  let offset = 0;
  const bounds = parts.map(p => (offset += p.length));
  for (const m of joined.matchAll(/\S{12,}/g)) {
    if (bounds.some(b => b > m.index && b < m.index + m[0].length)) return true;
  }
  return false;
}

/** The bytes as text when they read as text (a credential does), else undefined. */
function printable(bytes: Buffer): string | undefined {
  if (bytes.length < 12) return undefined;
  // Up to 3 % of other bytes (a stray control character); give up at the first one beyond that.
  let allowed = Math.floor(bytes.length * 0.03);
  for (const b of bytes) {
    if ((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09) continue;
    if (--allowed < 0) return undefined;
  }
  return bytes.toString('latin1');
}

function unescape(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}
