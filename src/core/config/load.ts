import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Node, type Pair } from 'yaml';
import type { ZodIssue } from 'zod';
import { StagecraftError } from '../errors';
import { envNameProblem, envValueProblem } from '../inputRules';
import type { Stack, Stage } from '../model';
import { isProtectedByDefault, nameProblem } from '../naming';
import { originProblem } from '../origins';
import { formatFieldPath, type Problem } from '../problems';
import { NOTIFICATION_KEYS } from '../notifications/schema';
import { redactor } from '../redact';
import { closest } from '../suggest';
import { formatBytes, STACK_FILE_LIMITS, stackFileLimitProblem } from './limits';
import { stackSchemaFor, type StackFileParsed, type StackSchema } from './schema';

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

const UNCHECKED = stackSchemaFor(undefined);

/**
 * Parses and validates the text of a `stagecraft.yaml`, locating every problem by line and
 * column. `schema` comes from the registered providers (`providers.stackSchema()`); without it
 * the provider-specific stage keys are carried unchecked.
 */
export function parseStackFile(text: string, file: string, schema: StackSchema = UNCHECKED): ParseResult {
  const limit = stackFileLimitProblem(text);
  if (limit) {
    // Refused before the YAML parser runs: its cost grows with what the limits bound.
    return { problems: [limitProblem(file, limit.line, limit.message)], document: new Document(), stageLines: [] };
  }
  const lineCounter = new LineCounter();
  // Duplicate keys are found below in one pass: the parser's own check is quadratic per mapping.
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const locate = new Locator(document, lineCounter, file, schema);
  const problems: Problem[] = [];
  const result = (extra: { stack?: Stack }) => ({ ...extra, problems: sortProblems(problems), document, stageLines: locate.stageLines() });

  for (const err of document.errors) problems.push(locate.offsets(err.pos[0], err.pos[1], '', yamlErrorMessage(err.message)));
  for (const duplicate of duplicateKeys(document)) {
    problems.push(locate.offsets(duplicate.range[0], duplicate.range[1], formatFieldPath(duplicate.path), `duplicate key "${duplicate.key}": a key may appear only once in a mapping`));
  }
  if (problems.length > 0) return result({});

  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: STACK_FILE_LIMITS.aliases });
  } catch (err) {
    // yaml refuses an alias bomb (aliases expanding to more nodes than the document holds).
    const alias = firstAlias(document);
    problems.push(locate.offsets(alias?.[0] ?? 0, alias?.[1] ?? 0, '', `aliases expand too far (more than ${STACK_FILE_LIMITS.aliases} per alias, the limit for stagecraft.yaml): ${(err as Error).message}`));
    return result({});
  }
  if (raw === null || raw === undefined) {
    problems.push(locate.offsets(0, 0, '', 'the file is empty: expected a mapping with at least `stack:` and `stages:`'));
    return result({});
  }
  // Before the schema: it would silently drop a `__proto__` key and keep a NUL in a value.
  problems.push(...envProblems(raw, locate));
  if (problems.length > 0) return result({});
  const parsed = schema.schema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(...issueProblems(issue, locate));
    return result({});
  }
  problems.push(...semanticProblems(parsed.data, locate, schema));
  if (problems.some(p => p.severity === 'error')) return result({});
  return result({ stack: toStack(parsed.data, file) });
}

/**
 * Reads `stagecraft.yaml` in `root`; undefined when the folder has none. `schema` comes from the
 * registered providers; `around` runs the synchronous parse (the CLI runs it where Ctrl-C can
 * still end the process).
 */
export async function loadStackFile(
  root: string,
  schema?: StackSchema,
  around: (work: () => ParseResult) => ParseResult = work => work(),
): Promise<(ParseResult & { text: string; file: string }) | undefined> {
  const file = path.join(root, STACK_FILE);
  const text = await readStackText(file);
  if (text === undefined) return undefined;
  if (typeof text !== 'string') return { problems: [limitProblem(file, text.line, text.message)], document: new Document(), stageLines: [], text: '', file };
  return { ...around(() => parseStackFile(text, file, schema)), text, file };
}

/**
 * The text of a stack file, undefined when there is none, or the size limit it exceeds (found
 * without reading more than the limit). Anything that is not a readable file is bad input.
 */
export async function readStackText(file: string): Promise<string | undefined | { line: number; message: string }> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new StagecraftError(`Cannot read ${file}: ${(err as Error).message}`, { kind: 'input', cause: err });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new StagecraftError(`${file}:1:1: is a ${stat.isDirectory() ? 'directory' : 'special file'}, not a file: stagecraft.yaml must be a YAML file`, { kind: 'input' });
    }
    const limit = STACK_FILE_LIMITS.bytes;
    const head = Buffer.alloc(Math.min(stat.size, limit) + 1);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (bytesRead > limit) {
      let line = 1;
      for (let i = head.indexOf(10); i >= 0 && i < limit; i = head.indexOf(10, i + 1)) line++;
      return { line, message: `the file is ${stat.size > limit ? formatBytes(stat.size) : `over ${formatBytes(limit)}`}, over the limit of ${formatBytes(limit)} for stagecraft.yaml` };
    }
    return head.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

function limitProblem(file: string, line: number, message: string): Problem {
  return { file, line, column: 1, endLine: line, endColumn: 1, field: '', message, severity: 'error' };
}

/** Every key that repeats one earlier in the same mapping: one Set per mapping, linear overall. */
function duplicateKeys(document: Document): Array<{ path: PathPart[]; key: string; range: [number, number] }> {
  const found: Array<{ path: PathPart[]; key: string; range: [number, number] }> = [];
  const walk = (node: unknown, at: PathPart[]): void => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const p of node.items) {
        if (!isPair(p)) continue;
        const key = isScalar(p.key) ? String(p.key.value) : undefined;
        if (key !== undefined) {
          if (seen.has(key) && p.key && isScalar(p.key) && p.key.range) found.push({ path: [...at, key], key, range: [p.key.range[0], p.key.range[1]] });
          seen.add(key);
        }
        walk(p.value, [...at, key ?? '?']);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...at, i]));
    }
  };
  walk(document.contents, []);
  return found;
}

function firstAlias(document: Document): [number, number] | undefined {
  let range: [number, number] | undefined;
  visit(document, {
    Alias(_key, node) {
      if (isAlias(node) && node.range) {
        range = [node.range[0], node.range[1]];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return range;
}

function toStack(data: StackFileParsed, file: string): Stack {
  // Names are public: the redactor never masks them, whatever a secret's value happens to be.
  redactor.addPublic(data.stack, ...data.stages.map(s => s.name));
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
    ...(data.notifications?.length ? { notifications: data.notifications } : {}),
    root: path.dirname(file),
    file,
  };
}

function semanticProblems(data: StackFileParsed, locate: Locator, schema: StackSchema): Problem[] {
  const problems: Problem[] = [];
  const stackName = nameProblem(data.stack, 'stack');
  if (stackName) problems.push(locate.value(['stack'], stackName));
  const seen = new Map<string, number>();
  data.stages.forEach((stage, i) => {
    const at: PathPart[] = ['stages', i, 'name'];
    const bad = nameProblem(stage.name, 'stage') ?? (stackName ? undefined : schema.stageNameProblem(stage.provider, data.stack, stage.name));
    if (bad) problems.push(locate.value(at, bad));
    const first = seen.get(stage.name.toLowerCase());
    if (first !== undefined) {
      problems.push(locate.value(at, `duplicate stage name "${stage.name}": stages[${first}] already has it; stage names must be unique`));
    } else {
      seen.set(stage.name.toLowerCase(), i);
    }
    for (const [key, owner] of schema.optionOwners) {
      if (owner === stage.provider || schema.sharedOptions.has(key)) continue;
      if (!hasKey(locate, ['stages', i, key]) || (stage as Record<string, unknown>)[key] === schema.optionDefaults.get(key)) continue;
      problems.push({ ...locate.key(['stages', i, key], `only ${schema.labels.get(owner) ?? owner} stages use "${key}"; this stage's provider is "${stage.provider}"`), severity: 'warning' });
    }
    stage.origins.forEach((origin, j) => {
      const originBad = originProblem(origin);
      if (originBad) problems.push(locate.value(['stages', i, 'origins', j], originBad));
    });
  });
  (data.notifications ?? []).forEach((entry, i) => {
    (entry.stages ?? []).forEach((name, j) => {
      if (!data.stages.some(s => s.name === name)) {
        problems.push(locate.value(['notifications', i, 'stages', j], `no stage is named "${name}"${data.stages.length ? ` (stages: ${data.stages.map(s => s.name).join(', ')})` : ''}`));
      }
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

function hasKey(locate: Locator, at: PathPart[]): boolean {
  return locate.has(at);
}

/** Names and plain values of every stage's `env`, checked on the document's own keys. */
function envProblems(raw: unknown, locate: Locator): Problem[] {
  const problems: Problem[] = [];
  const stages = (raw as { stages?: unknown }).stages;
  if (!Array.isArray(stages)) return problems;
  stages.forEach((stage, i) => {
    const env = (stage as { env?: unknown } | null)?.env;
    if (env === null || typeof env !== 'object' || Array.isArray(env)) return;
    for (const [name, value] of Object.entries(env)) {
      const nameBad = envNameProblem(name);
      if (nameBad) problems.push(locate.key(['stages', i, 'env', name], nameBad));
      const valueBad = typeof value === 'string' ? envValueProblem(name, value) : undefined;
      if (valueBad) problems.push(locate.value(['stages', i, 'env', name], valueBad));
    }
  });
  return problems;
}

function issueProblems(issue: ZodIssue, locate: Locator): Problem[] {
  const at = issue.path;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(at, locate.schema.knownKeys);
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

function knownKeysAt(at: PathPart[], keys: StackSchema['knownKeys']): readonly string[] | undefined {
  if (at.length === 0) return keys.top;
  if (at.length === 1 && at[0] === 'service') return keys.service;
  if (at.length === 1 && at[0] === 'personal') return keys.personal;
  if (at.length === 3 && at[0] === 'personal' && at[1] === 'env') return keys.secretRef;
  if (at.length === 2 && at[0] === 'stages') return keys.stage;
  if (at.length === 4 && at[0] === 'stages' && at[2] === 'env') return keys.secretRef;
  if (at.length === 3 && at[0] === 'service' && at[1] === 'checks') return keys.check;
  if (at.length === 2 && at[0] === 'notifications') return NOTIFICATION_KEYS;
  if (at.length === 3 && at[0] === 'notifications' && at[2] === 'webhook') return keys.secretRef;
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
    readonly schema: StackSchema,
  ) {}

  /** Whether the file itself writes the key at `at` (not a default). */
  has(at: PathPart[]): boolean {
    return this.find(at).depth === at.length;
  }

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
