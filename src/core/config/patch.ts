import { parse } from 'yaml';

/**
 * The yaml library re-prints a whole document when it is stringified, normalising spacing
 * before comments, comment indentation and the like. To keep a user's file as they wrote it,
 * an edit is made on the Document, both the untouched and the edited document are printed the
 * same way, and only the lines that differ between those two prints are carried into the
 * original text. Everything the edit did not touch stays byte for byte. Carried lines take the
 * original's indentation (learnt from the untouched lines around them) and, where a line is
 * replaced one for one, the original's spacing before its trailing comment.
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
  const hunks = diffHunks(b, c).map(h => slideUp(h, c, anchors));

  const out: string[] = [];
  let aPos = 0;
  for (const h of hunks) {
    const [aStart, aEnd] = originalSpan(h.bStart, h.bEnd, anchors, a.length);
    let lines = reindent(h, b, a, anchors);
    if (aEnd - aStart === lines.length && h.bEnd - h.bStart === lines.length) {
      lines = lines.map((line, k) => keepCommentSpacing(a[aStart + k], line));
    }
    out.push(...a.slice(aPos, aStart), ...lines);
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
  /** Where `lines` start in the edited print. */
  cStart: number;
  lines: string[];
}

/**
 * An insertion right after a print-only line (the blank line the printer puts before a trailing
 * comment, say) could as well go before it when it ends with the same line; moving it there
 * places it after a line the original has, which is where the edit meant it.
 */
function slideUp(h: Hunk, c: string[], anchors: Int32Array): Hunk {
  let { bStart, cStart, lines } = h;
  if (h.bStart !== h.bEnd) return h;
  while (bStart > 0 && cStart > 0 && anchors[bStart - 1] < 0 && c[cStart - 1] === lines[lines.length - 1]) {
    lines = [c[cStart - 1], ...lines.slice(0, -1)];
    bStart--;
    cStart--;
  }
  return { bStart, bEnd: bStart, cStart, lines };
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
    hunks.push({ bStart, bEnd: i, cStart: j, lines: c.slice(j, cEnd) });
    j = cEnd;
  }
  return hunks;
}

/** Leading spaces and, for a sequence item, the column its content starts at. */
function shape(line: string): { indent: number; content?: number } {
  const m = /^( *)(?:-( +)(?=\S))?/.exec(line)!;
  return { indent: m[1].length, content: m[2] === undefined ? undefined : m[1].length + 1 + m[2].length };
}

function isMappable(line: string): boolean {
  const t = line.trim();
  return t !== '' && !t.startsWith('#');
}

/**
 * The printer indents uniformly; the original may not (4 spaces in one place, `-   ` items in
 * another). Each column of a carried line is mapped to the column the nearest untouched line
 * with the same printed column has in the original, so new lines line up with their neighbours.
 */
function reindent(h: Hunk, b: string[], a: string[], anchors: Int32Array): string[] {
  const cache = new Map<number, number>();
  const lookup = (col: number): number | undefined => {
    // The lines being replaced first, then the nearest untouched ones before and after.
    const order: number[] = [];
    for (let i = h.bStart; i < h.bEnd; i++) order.push(i);
    for (let d = 1; h.bStart - d >= 0 || h.bEnd - 1 + d < b.length; d++) {
      if (h.bStart - d >= 0) order.push(h.bStart - d);
      if (h.bEnd - 1 + d < b.length) order.push(h.bEnd - 1 + d);
    }
    for (const i of order) {
      if (anchors[i] < 0 || !isMappable(b[i])) continue;
      const pb = shape(b[i]);
      const pa = shape(a[anchors[i]]);
      if (pb.indent === col) return pa.indent;
      if (pb.content === col && pa.content !== undefined) return pa.content;
    }
    return undefined;
  };
  const map = (col: number): number => {
    let mapped = cache.get(col);
    if (mapped !== undefined) return mapped;
    mapped = lookup(col);
    if (mapped === undefined) {
      // No line at this column: keep the printed distance from the nearest shallower column.
      const shallower = [...cache.keys()].filter(c => c < col).sort((x, y) => y - x)[0];
      mapped = shallower === undefined ? col : cache.get(shallower)! + (col - shallower);
    }
    // Deeper printed columns must stay deeper, or the YAML would change meaning.
    const below = [...cache.entries()].filter(([c]) => c < col).reduce((m, [, v]) => Math.max(m, v), -1);
    if (mapped <= below) mapped = below + 1;
    cache.set(col, mapped);
    return mapped;
  };
  // Resolve columns shallow to deep so the ordering rule above sees every shallower column first.
  const columns = new Set<number>();
  for (const line of h.lines) {
    if (line.trim() === '') continue;
    const s = shape(line);
    columns.add(s.indent);
    if (s.content !== undefined) columns.add(s.content);
  }
  [...columns].sort((x, y) => x - y).forEach(map);
  return h.lines.map(line => {
    if (line.trim() === '') return line;
    const s = shape(line);
    const indent = ' '.repeat(map(s.indent));
    if (s.content === undefined) return indent + line.slice(s.indent);
    return indent + '-' + ' '.repeat(Math.max(1, map(s.content) - map(s.indent) - 1)) + line.slice(s.content);
  });
}

/** `key: new # note` becomes `key: new   # note` when the original line had that spacing. */
function keepCommentSpacing(originalLine: string, printedLine: string): string {
  const hash = printedLine.lastIndexOf(' #');
  if (hash < 0) return printedLine;
  const comment = printedLine.slice(hash + 1);
  if (!originalLine.endsWith(comment)) return printedLine;
  const spacing = /\s+$/.exec(originalLine.slice(0, originalLine.length - comment.length))?.[0];
  if (!spacing) return printedLine;
  const candidate = printedLine.slice(0, hash).trimEnd() + spacing + comment;
  // Only whitespace before a real comment may change: the line must still mean the same.
  return candidate !== printedLine && sameYaml(candidate, printedLine) ? candidate : printedLine;
}

function sameYaml(x: string, y: string): boolean {
  try {
    return JSON.stringify(parse(x.trim())) === JSON.stringify(parse(y.trim()));
  } catch {
    return false;
  }
}
