import { isMap, isPair, isScalar, isSeq, parseDocument, type Scalar } from 'yaml';
import { isEnvFileName, isStackFileName, unquote } from './rules/envSecrets';

/**
 * What the editor's quick fixes need to know about a finding, computed from the text alone:
 * where secretlint's inline ignore comment goes, and which variable a secret value belongs to.
 */

export interface TextInsert {
  offset: number;
  text: string;
}

type CommentStyle = { open: string; close: string };

const HASH: CommentStyle = { open: '# ', close: '' };
const SLASH: CommentStyle = { open: '// ', close: '' };
const DASH: CommentStyle = { open: '-- ', close: '' };
const XML: CommentStyle = { open: '<!-- ', close: ' -->' };
// secretlint reads everything after the directive as rule ids up to a `--`: without it, the
// `*/` of a block comment would be taken for a rule id and the directive would ignore nothing.
const BLOCK: CommentStyle = { open: '/* ', close: ' -- */' };

const BY_EXTENSION: Record<string, CommentStyle> = {};
for (const ext of ['py', 'rb', 'sh', 'bash', 'zsh', 'fish', 'yaml', 'yml', 'toml', 'ini', 'cfg', 'conf', 'properties', 'tf', 'tfvars', 'hcl', 'r', 'pl', 'ps1', 'mk', 'env', 'dockerfile', 'gitignore', 'npmrc']) BY_EXTENSION[ext] = HASH;
for (const ext of ['js', 'mjs', 'cjs', 'jsx', 'ts', 'mts', 'cts', 'tsx', 'java', 'kt', 'kts', 'scala', 'groovy', 'gradle', 'c', 'h', 'cc', 'cpp', 'hpp', 'cs', 'go', 'rs', 'swift', 'dart', 'php', 'jsonc', 'json5', 'proto']) BY_EXTENSION[ext] = SLASH;
for (const ext of ['sql', 'lua', 'hs']) BY_EXTENSION[ext] = DASH;
for (const ext of ['html', 'htm', 'xml', 'md', 'markdown', 'vue', 'svelte', 'svg', 'xhtml']) BY_EXTENSION[ext] = XML;
for (const ext of ['css', 'scss', 'less']) BY_EXTENSION[ext] = BLOCK;

/** The comment syntax of a file, from its name; undefined where the format has none (JSON). */
export function commentStyleFor(file: string): CommentStyle | undefined {
  const base = file.split(/[\\/]/).pop() ?? '';
  if (isEnvFileName(base) || /^(Dockerfile|Containerfile|Makefile|Procfile)(\..*)?$/.test(base) || /^\.(gitignore|dockerignore|npmrc|secretlintignore)$/.test(base)) return HASH;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? BY_EXTENSION[base.slice(dot + 1).toLowerCase()] : undefined;
}

/**
 * Inserts that make secretlint ignore the finding at [start, end): a
 * `secretlint-disable-next-line` comment on its own line above (so no value on the line itself
 * changes meaning, as a trailing `#` would in some .env readers), or a `secretlint-disable` /
 * `secretlint-enable` pair around a finding that spans lines (a private key).
 */
export function ignoreCommentInserts(text: string, file: string, start: number, end: number): TextInsert[] | undefined {
  const style = commentStyleFor(file);
  if (!style) return undefined;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart, lineStart + 200))![0];
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const comment = (directive: string) => `${indent}${style.open}${directive}${style.close}${eol}`;
  const lastLineStart = text.lastIndexOf('\n', Math.max(start, end - 1) - 1) + 1;
  if (lastLineStart <= lineStart) return [{ offset: lineStart, text: comment('secretlint-disable-next-line') }];
  const nl = text.indexOf('\n', Math.max(start, end - 1));
  const after = nl < 0 ? text.length : nl + 1;
  const enable = (nl < 0 ? eol : '') + comment('secretlint-enable');
  return [
    { offset: lineStart, text: comment('secretlint-disable') },
    { offset: after, text: enable },
  ];
}

/** A secret-bearing variable: where it is defined and its literal value. */
export interface EnvEntry {
  kind: 'stack' | 'dotenv';
  name: string;
  value: string;
  /** stagecraft.yaml only: the stage whose `env` holds it. */
  stage?: string;
  /** .env only: the whole line, with its line break, to remove once the value is stored. */
  lineStart?: number;
  lineEnd?: number;
}

/** The env variable whose value covers [start, end) in a stagecraft.yaml or a .env file. */
export function envEntryAt(text: string, file: string, start: number, end: number): EnvEntry | undefined {
  if (isStackFileName(file)) return stackEnvEntryAt(text, start, end);
  if (isEnvFileName(file)) return dotenvEntryAt(text, start, end);
  return undefined;
}

function stackEnvEntryAt(text: string, start: number, end: number): EnvEntry | undefined {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return undefined;
  const stages = doc.contents.get('stages', true);
  if (!isSeq(stages)) return undefined;
  for (const stage of stages.items) {
    if (!isMap(stage)) continue;
    const env = stage.get('env', true);
    if (!isMap(env)) continue;
    for (const pair of env.items) {
      if (!isPair(pair) || !isScalar(pair.key) || !isScalar(pair.value)) continue;
      const node = pair.value as Scalar;
      if (!node.range || node.range[0] > start || node.range[1] < end || node.value === null || typeof node.value === 'object') continue;
      const stageName = stage.get('name');
      return { kind: 'stack', name: String(pair.key.value), value: String(node.value), stage: typeof stageName === 'string' ? stageName : undefined };
    }
  }
  return undefined;
}

function dotenvEntryAt(text: string, start: number, end: number): EnvEntry | undefined {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const nl = text.indexOf('\n', start);
  const lineEnd = nl < 0 ? text.length : nl + 1;
  if (end > lineEnd) return undefined;
  const line = text.slice(lineStart, lineEnd).replace(/\r?\n$/, '');
  const m = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=/.exec(line);
  if (!m || lineStart + m[0].length > start) return undefined;
  const raw = line.slice(m[0].length).replace(/^[ \t]+/, '');
  const span = unquote(raw);
  if (!span) return undefined;
  return { kind: 'dotenv', name: m[1], value: raw.slice(span[0], span[1]), lineStart, lineEnd };
}
