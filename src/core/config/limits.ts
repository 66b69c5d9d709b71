/**
 * Bounds on what a `stagecraft.yaml` may be, checked in one linear pass BEFORE the YAML parser
 * runs, so a hostile or broken file (20 MB, 200k keys, 100k nested brackets) is refused in
 * milliseconds with the limit and the line, instead of keeping the parser busy for minutes.
 * The pass is a conservative scanner, not a YAML parser: it may count a `key:` inside a block
 * scalar, never fewer entries than the parser would build.
 */
export const STACK_FILE_LIMITS = {
  /** Bytes (UTF-8). A real stack file is a few kilobytes. */
  bytes: 1024 * 1024,
  /** Mapping keys plus list items. */
  entries: 20_000,
  /** Nested mappings/lists (block indentation, `- - -`, and flow brackets together). */
  depth: 64,
  /** Aliases (`*name`) the document may expand; more is an alias bomb. */
  aliases: 100,
} as const;

export interface LimitProblem {
  /** 1-based line where the limit was crossed. */
  line: number;
  message: string;
}

/** The first limit `text` exceeds, or undefined when the file is within every bound. */
export function stackFileLimitProblem(text: string, limits = STACK_FILE_LIMITS): LimitProblem | undefined {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.bytes) {
    return { line: lineAtByte(text, limits.bytes), message: `the file is ${formatBytes(bytes)}, over the limit of ${formatBytes(limits.bytes)} for stagecraft.yaml` };
  }
  let entries = 0;
  let flowDepth = 0;
  const indents: number[] = [];
  let blockScalarIndent = -1;
  let line = 0;
  let start = 0;
  // A double-quoted scalar may span lines: carried over from the previous line.
  let inDouble = false;
  let inSingle = false;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    line++;
    const raw = text.slice(start, end);
    start = end + 1;
    let i = 0;
    while (i < raw.length && (raw[i] === ' ' || raw[i] === '\t')) i++;
    const blank = i === raw.length || raw[i] === '\r';
    if (blockScalarIndent >= 0) {
      if (blank || i > blockScalarIndent) continue;
      blockScalarIndent = -1;
    }
    if (!inDouble && !inSingle && flowDepth === 0) {
      if (blank || raw[i] === '#') continue;
      // Block structure: the stack of open indentations is the nesting depth.
      while (indents.length > 0 && indents[indents.length - 1] >= i) indents.pop();
      indents.push(i);
    }
    let dashes = 0;
    let prev = ' ';
    for (let j = i; j < raw.length; j++) {
      const c = raw[j];
      if (inDouble) {
        if (c === '\\') j++;
        else if (c === '"') inDouble = false;
        prev = c;
        continue;
      }
      if (inSingle) {
        if (c === "'") inSingle = false;
        prev = c;
        continue;
      }
      const atScalarStart = prev === ' ' || prev === '\t' || prev === '[' || prev === '{' || prev === ',' || j === i;
      if (c === '#' && (prev === ' ' || prev === '\t')) break;
      if (c === '"' && atScalarStart) inDouble = true;
      else if (c === "'" && atScalarStart) inSingle = true;
      else if (c === '[' || c === '{') {
        flowDepth++;
        entries++;
        if (indents.length + dashes + flowDepth > limits.depth) return depthProblem(line, limits.depth);
      } else if (c === ']' || c === '}') flowDepth = Math.max(0, flowDepth - 1);
      else if (c === ',' && flowDepth > 0) entries++;
      else if (c === '-' && atScalarStart && (j + 1 === raw.length || raw[j + 1] === ' ')) {
        dashes++;
        entries++;
        if (indents.length + dashes + flowDepth > limits.depth) return depthProblem(line, limits.depth);
      } else if (c === ':' && (j + 1 === raw.length || raw[j + 1] === ' ' || raw[j + 1] === '\t' || raw[j + 1] === '\r')) {
        entries++;
      } else if ((c === '|' || c === '>') && (prev === ' ' || j === i) && /^[|>][-+0-9]*\s*(#.*)?\r?$/.test(raw.slice(j))) {
        blockScalarIndent = i;
        break;
      }
      prev = c;
    }
    if (entries > limits.entries) {
      return { line, message: `more than ${limits.entries.toLocaleString('en-US')} keys and list items (the limit for stagecraft.yaml)` };
    }
    if (indents.length + dashes + flowDepth > limits.depth) return depthProblem(line, limits.depth);
  }
  return undefined;
}

function depthProblem(line: number, depth: number): LimitProblem {
  return { line, message: `nested more than ${depth} levels deep (the limit for stagecraft.yaml)` };
}

/** The 1-based line that holds byte `offset` of the UTF-8 encoding of `text`. */
function lineAtByte(text: string, offset: number): number {
  const head = Buffer.from(text, 'utf8').subarray(0, offset).toString('utf8');
  let line = 1;
  for (let i = head.indexOf('\n'); i >= 0; i = head.indexOf('\n', i + 1)) line++;
  return line;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${bytes} bytes`;
}
