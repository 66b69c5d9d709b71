/**
 * The yaml library re-prints a whole document when it is stringified, normalising spacing
 * before comments, comment indentation and the like. To keep a user's file as they wrote it,
 * an edit is made on the Document, both the untouched and the edited document are printed the
 * same way, and only the lines that differ between those two prints are carried into the
 * original text. Everything the edit did not touch stays byte for byte.
 */
export function carryEdit(original: string, printedBefore: string, printedAfter: string): string {
  if (printedBefore === printedAfter) return original;
  const eol = original.includes('\r\n') ? '\r\n' : '\n';
  const endsWithEol = original.endsWith('\n');
  const a = splitLines(original);
  const b = splitLines(printedBefore);
  const c = splitLines(printedAfter);

  // Where each line of the untouched print sits in the original (same content, other spacing).
  const anchors = matchLines(b.map(normalise), a.map(normalise));
  const hunks = diffHunks(b, c);

  const out: string[] = [];
  let aPos = 0;
  for (const h of hunks) {
    const [aStart, aEnd] = originalSpan(h.bStart, h.bEnd, anchors, a.length);
    out.push(...a.slice(aPos, aStart), ...h.lines);
    aPos = Math.max(aPos, aEnd);
  }
  out.push(...a.slice(aPos));
  const text = out.join(eol);
  return endsWithEol || printedAfter.endsWith('\n') ? `${text}${eol}` : text;
}

function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function normalise(line: string): string {
  return line.replace(/\s+/g, '');
}

/** The span of original lines that stands for print lines [bStart, bEnd). */
function originalSpan(bStart: number, bEnd: number, anchors: Int32Array, aLength: number): [number, number] {
  // Start right after the original line of the nearest anchored line before the hunk.
  let start = 0;
  for (let i = bStart - 1; i >= 0; i--) {
    if (anchors[i] >= 0) {
      start = anchors[i] + 1;
      break;
    }
  }
  // End right before the original line of the nearest anchored line after the hunk.
  let end = aLength;
  for (let i = bEnd; i < anchors.length; i++) {
    if (anchors[i] >= 0) {
      end = anchors[i];
      break;
    }
  }
  // A pure insertion goes right after the line it follows in the print.
  if (bStart === bEnd) return [start, start];
  return [start, Math.max(start, end)];
}

/** For each line of `from`, the index of its partner in `to` under a longest common subsequence, or -1. */
function matchLines(from: string[], to: string[]): Int32Array {
  const n = from.length;
  const m = to.length;
  const table = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * (m + 1) + j] =
        from[i] === to[j] ? table[(i + 1) * (m + 1) + j + 1] + 1 : Math.max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1]);
    }
  }
  const match = new Int32Array(n).fill(-1);
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (from[i] === to[j]) {
      match[i++] = j++;
    } else if (table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1]) {
      i++;
    } else {
      j++;
    }
  }
  return match;
}

interface Hunk {
  bStart: number;
  bEnd: number;
  lines: string[];
}

/** Line hunks turning `b` into `c`. */
function diffHunks(b: string[], c: string[]): Hunk[] {
  const match = matchLines(b, c);
  const hunks: Hunk[] = [];
  let i = 0;
  let j = 0;
  while (i < b.length || j < c.length) {
    if (i < b.length && match[i] === j) {
      i++;
      j++;
      continue;
    }
    const bStart = i;
    while (i < b.length && match[i] < 0) i++;
    const cEnd = i < b.length ? match[i] : c.length;
    hunks.push({ bStart, bEnd: i, lines: c.slice(j, cEnd) });
    j = cEnd;
  }
  return hunks;
}
