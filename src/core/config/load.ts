import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Document, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import type { ZodIssue } from 'zod';
import { envNameProblem } from '../env';
import type { Stack, Stage } from '../model';
import { isProtectedByDefault, nameProblem, stackNameProblem } from '../naming';
import { originProblem } from '../origins';
import { formatFieldPath, type Problem } from '../problems';
import { closest } from '../suggest';
import { KNOWN_KEYS, stackFileSchema, type StackFileParsed } from './schema';

export const STACK_FILE = 'stagecraft.yaml';

export interface ParseResult {
  /** Present only when there are no errors. */
  stack?: Stack;
  problems: Problem[];
  document: Document;
  /** 1-based line of each stage's entry, by stage index, for "go to definition". */
  stageLines: number[];
}

type PathPart = string | number;

/** Parses and validates the text of a `stagecraft.yaml`, locating every problem by line and column. */
export function parseStackFile(text: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const locate = new Locator(document, lineCounter, file);
  const problems: Problem[] = [];
  const result = (extra: { stack?: Stack }) => ({ ...extra, problems: sortProblems(problems), document, stageLines: locate.stageLines() });

  for (const err of document.errors) {
    const duplicate = err.code === 'DUPLICATE_KEY' ? locate.keyAt(err.pos[0]) : undefined;
    problems.push(
      duplicate
        ? locate.offsets(duplicate.range[0], duplicate.range[1], formatFieldPath(duplicate.path), `duplicate key "${duplicate.key}": a key may appear only once in a mapping`)
        : locate.offsets(err.pos[0], err.pos[1], '', yamlErrorMessage(err.message)),
    );
  }
  if (problems.length > 0) return result({});

  const raw: unknown = document.toJS();
  if (raw === null || raw === undefined) {
    problems.push(locate.offsets(0, 0, '', 'the file is empty: expected a mapping with at least `stack:` and `stages:`'));
    return result({});
  }
  const parsed = stackFileSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(...issueProblems(issue, locate));
    return result({});
  }
  problems.push(...semanticProblems(parsed.data, locate));
  if (problems.some(p => p.severity === 'error')) return result({});
  return result({ stack: toStack(parsed.data, file) });
}

/** Reads `stagecraft.yaml` in `root`; undefined when the folder has none. */
export async function loadStackFile(root: string): Promise<(ParseResult & { text: string; file: string }) | undefined> {
  const file = path.join(root, STACK_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return { ...parseStackFile(text, file), text, file };
}

function toStack(data: StackFileParsed, file: string): Stack {
  const stages: Stage[] = data.stages.map((s, index) => ({
    ...s,
    protected: s.protected ?? isProtectedByDefault(s.name),
    index,
  }));
  return {
    name: data.stack,
    branchModel: data.branchModel,
    service: data.service,
    stages,
    personal: data.personal,
    root: path.dirname(file),
    file,
  };
}

function semanticProblems(data: StackFileParsed, locate: Locator): Problem[] {
  const problems: Problem[] = [];
  const stackName = nameProblem(data.stack, 'stack');
  if (stackName) problems.push(locate.value(['stack'], stackName));
  const seen = new Map<string, number>();
  data.stages.forEach((stage, i) => {
    const at: PathPart[] = ['stages', i, 'name'];
    const bad = nameProblem(stage.name, 'stage') ?? (stackName ? undefined : stackNameProblem(data.stack, stage.name));
    if (bad) problems.push(locate.value(at, bad));
    const first = seen.get(stage.name.toLowerCase());
    if (first !== undefined) {
      problems.push(locate.value(at, `duplicate stage name "${stage.name}": stages[${first}] already has it; stage names must be unique`));
    } else {
      seen.set(stage.name.toLowerCase(), i);
    }
    if (stage.provider !== 'aws') {
      for (const key of ['region', 'profile'] as const) {
        if (stage[key] !== undefined) {
          problems.push({ ...locate.key(['stages', i, key], `only AWS stages use "${key}"; this stage's provider is "${stage.provider}"`), severity: 'warning' });
        }
      }
    }
    for (const name of Object.keys(stage.env)) {
      const envBad = envNameProblem(name);
      if (envBad) problems.push(locate.key(['stages', i, 'env', name], envBad));
    }
    stage.origins.forEach((origin, j) => {
      const originBad = originProblem(origin);
      if (originBad) problems.push(locate.value(['stages', i, 'origins', j], originBad));
    });
  });
  if (data.personal) {
    for (const name of Object.keys(data.personal.env ?? {})) {
      const envBad = envNameProblem(name);
      if (envBad) problems.push(locate.key(['personal', 'env', name], envBad));
    }
    (data.personal.origins ?? []).forEach((origin, j) => {
      const originBad = originProblem(origin);
      if (originBad) problems.push(locate.value(['personal', 'origins', j], originBad));
    });
  }
  return problems;
}

function issueProblems(issue: ZodIssue, locate: Locator): Problem[] {
  const at = issue.path;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(at);
      return issue.keys.map(key => {
        const suggestion = known ? closest(key, known) : undefined;
        const hint = suggestion ? `did you mean "${suggestion}"?` : known ? `expected one of: ${known.join(', ')}` : '';
        return locate.key([...at, key], `unknown key "${key}"${hint ? `; ${hint}` : ''}`);
      });
    }
    case 'invalid_type':
      if (issue.received === 'undefined') return [locate.missing(at, `is required: expected ${describeType(issue.expected)}`)];
      return [locate.value(at, `expected ${describeType(issue.expected)}, got ${describeType(issue.received)}`)];
    case 'invalid_enum_value':
      return [locate.value(at, `"${String(issue.received)}" is not allowed: expected one of ${issue.options.map(o => `"${String(o)}"`).join(', ')}`)];
    case 'too_small':
      if (issue.type === 'string' && issue.minimum === 1) return [locate.value(at, 'cannot be empty: expected a non-empty string')];
      return [locate.value(at, issue.message.charAt(0).toLowerCase() + issue.message.slice(1))];
    case 'invalid_union': {
      // A mapping where `{ secret: NAME }` is allowed: report what is wrong inside it (`secrt` → did you mean "secret"?).
      const asMapping = issue.unionErrors.find(e => e.issues.every(i => i.path.length > at.length || i.code === 'unrecognized_keys'));
      if (asMapping) return asMapping.issues.flatMap(i => issueProblems(i, locate));
      return [locate.value(at, unionMessage(at))];
    }
    default:
      return [locate.value(at, issue.message.charAt(0).toLowerCase() + issue.message.slice(1))];
  }
}

function unionMessage(at: PathPart[]): string {
  if ((at[0] === 'stages' && at[2] === 'env') || (at[0] === 'personal' && at[1] === 'env')) return 'expected a string, a number, a boolean, or `{ secret: NAME }` for a value kept as a stage secret';
  return 'has the wrong shape';
}

function knownKeysAt(at: PathPart[]): readonly string[] | undefined {
  if (at.length === 0) return KNOWN_KEYS.top;
  if (at.length === 1 && at[0] === 'service') return KNOWN_KEYS.service;
  if (at.length === 1 && at[0] === 'personal') return KNOWN_KEYS.personal;
  if (at.length === 3 && at[0] === 'personal' && at[1] === 'env') return KNOWN_KEYS.secretRef;
  if (at.length === 2 && at[0] === 'stages') return KNOWN_KEYS.stage;
  if (at.length === 4 && at[0] === 'stages' && at[2] === 'env') return KNOWN_KEYS.secretRef;
  if (at.length === 3 && at[0] === 'service' && at[1] === 'checks') return KNOWN_KEYS.check;
  return undefined;
}

function describeType(t: string): string {
  switch (t) {
    case 'object': return 'a mapping (key: value)';
    case 'array': return 'a list';
    case 'string': return 'a string';
    case 'number': return 'a number';
    case 'integer': return 'a whole number';
    case 'boolean': return 'true or false';
    case 'null': return 'nothing (null)';
    default: return t;
  }
}

function yamlErrorMessage(message: string): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return `YAML syntax: ${first}`;
}

function sortProblems(problems: Problem[]): Problem[] {
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Turns field paths into positions in the source text. */
class Locator {
  constructor(
    private readonly document: Document,
    private readonly lines: LineCounter,
    private readonly file: string,
  ) {}

  /** The value at `at`, or the nearest ancestor that exists. */
  value(at: PathPart[], message: string): Problem {
    const { node, pair, depth } = this.find(at);
    const target = depth === at.length ? node ?? pair?.key : pair?.key ?? node;
    return this.at(target as Node | undefined, at, message);
  }

  /** The key of the pair at `at` (for unknown keys), falling back to its value. */
  key(at: PathPart[], message: string): Problem {
    const { node, pair } = this.find(at);
    return this.at((pair?.key ?? node) as Node | undefined, at, message);
  }

  /** A missing field: points at the key of the mapping that should hold it. */
  missing(at: PathPart[], message: string): Problem {
    const parent = at.slice(0, -1);
    const { pair, node } = this.find(parent);
    return this.at((pair?.key ?? node) as Node | undefined, at, message);
  }

  /** The path of the mapping key that starts at `offset` (for duplicate keys, which the document keeps). */
  keyAt(offset: number): { path: PathPart[]; key: string; range: [number, number] } | undefined {
    type Found = { path: PathPart[]; key: string; range: [number, number] };
    const visit = (node: unknown, at: PathPart[]): Found | undefined => {
      if (isMap(node)) {
        for (const p of node.items) {
          if (!isPair(p) || !isScalar(p.key)) continue;
          const key = String(p.key.value);
          if (p.key.range?.[0] === offset) return { path: [...at, key], key, range: [p.key.range[0], p.key.range[1]] };
          const inner = visit(p.value, [...at, key]);
          if (inner) return inner;
        }
      } else if (isSeq(node)) {
        for (let i = 0; i < node.items.length; i++) {
          const inner = visit(node.items[i], [...at, i]);
          if (inner) return inner;
        }
      }
      return undefined;
    };
    return visit(this.document.contents, []);
  }

  stageLines(): number[] {
    const stages = isMap(this.document.contents) ? this.document.contents.get('stages', true) : undefined;
    if (!isSeq(stages)) return [];
    return stages.items.map(item => this.lines.linePos((item as Node | null)?.range?.[0] ?? 0).line);
  }

  offsets(start: number, end: number, field: string, message: string): Problem {
    const a = this.lines.linePos(start);
    const b = this.lines.linePos(Math.max(end, start));
    return { file: this.file, line: a.line, column: a.col, endLine: b.line, endColumn: b.col, field, message, severity: 'error' };
  }

  private at(node: Node | undefined, at: PathPart[], message: string): Problem {
    const range = node?.range ?? [0, 0, 0];
    return this.offsets(range[0], range[1], formatFieldPath(at), message);
  }

  private find(at: PathPart[]): { node?: Node; pair?: Pair; depth: number } {
    let node: unknown = this.document.contents;
    let pair: Pair | undefined;
    let depth = 0;
    for (const part of at) {
      if (isMap(node)) {
        const found = node.items.find(p => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
        if (!found) break;
        pair = found as Pair;
        node = found.value;
      } else if (isSeq(node) && typeof part === 'number' && node.items[part] !== undefined) {
        pair = undefined;
        node = node.items[part];
      } else {
        break;
      }
      depth++;
    }
    return { node: (node ?? undefined) as Node | undefined, pair, depth };
  }
}
