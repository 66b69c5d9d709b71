/**
 * "Move to a stage secret and read it from the environment" for a secret written as a string
 * literal in JavaScript/TypeScript or Python source: where the literal is, the variable name it
 * belongs to, and the source with the literal replaced by a read of that environment variable.
 * Computed from the text alone (no parser), line by line: a literal spanning lines is not offered.
 */

export type SourceLanguage = 'javascript' | 'python';

export interface SourceLiteral {
  language: SourceLanguage;
  /** The literal with its quotes: [start, end) in the text. */
  start: number;
  end: number;
  /** The literal as written, quotes included (to check it is still there before editing). */
  raw: string;
  /** The string's value (simple escapes resolved). */
  value: string;
  /** The environment variable name suggested from what the literal is assigned to (UPPER_SNAKE). */
  name: string;
}

const JS_EXTENSIONS = new Set(['js', 'mjs', 'cjs', 'jsx', 'ts', 'mts', 'cts', 'tsx']);

export function sourceLanguageOf(file: string): SourceLanguage | undefined {
  const base = file.split(/[\\/]/).pop() ?? '';
  const ext = base.includes('.') ? base.slice(base.lastIndexOf('.') + 1).toLowerCase() : '';
  if (JS_EXTENSIONS.has(ext)) return 'javascript';
  if (ext === 'py' || ext === 'pyi') return 'python';
  return undefined;
}

/** The string literal that holds the finding at [start, end), in a JS/TS or Python file. */
export function sourceLiteralAt(text: string, file: string, start: number, end: number): SourceLiteral | undefined {
  const language = sourceLanguageOf(file);
  if (!language) return undefined;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const nl = text.indexOf('\n', start);
  const lineEnd = nl < 0 ? text.length : nl;
  if (end > lineEnd) return undefined;
  const line = text.slice(lineStart, lineEnd);
  for (const lit of literalsOf(line, language)) {
    const from = lineStart + lit.start;
    const to = lineStart + lit.end;
    if (from > start || to < end) continue;
    const before = line.slice(0, lit.start);
    return { language, start: from, end: to, raw: line.slice(lit.start, lit.end), value: lit.value, name: envNameFor(before, language) };
  }
  return undefined;
}

interface Literal {
  start: number;
  end: number;
  value: string;
}

/** The plain string literals of one line (no template substitutions, no f-strings, no triple quotes). */
function literalsOf(line: string, language: SourceLanguage): Literal[] {
  const out: Literal[] = [];
  const quotes = language === 'javascript' ? '\'"`' : '\'"';
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (language === 'javascript' && c === '/' && line[i + 1] === '/') break;
    if (language === 'python' && c === '#') break;
    if (!quotes.includes(c)) {
      i++;
      continue;
    }
    if (language === 'python' && line.startsWith(c.repeat(3), i)) return out; // a triple-quoted string: not handled
    // A Python prefix (f, b, r…) makes it another kind of string.
    const prefixed = language === 'python' && /[A-Za-z]$/.test(line.slice(0, i));
    let j = i + 1;
    let value = '';
    let plain = !prefixed;
    for (; j < line.length && line[j] !== c; j++) {
      if (line[j] === '\\') {
        const e = line[++j];
        value += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
        if (e === undefined || /[0-9xuU]/.test(e)) plain = false;
        continue;
      }
      if (c === '`' && line[j] === '$' && line[j + 1] === '{') plain = false;
      value += line[j];
    }
    if (j >= line.length) return out; // unterminated on this line
    if (plain) out.push({ start: i, end: j + 1, value });
    i = j + 1;
  }
  return out;
}

/**
 * The name a literal is assigned to, from the code before it on its line: `const apiKey =`,
 * `this.apiKey =`, `apiKey:` / `"api_key":`, `API_KEY=` (a keyword argument), `settings["api_key"] =`.
 */
export function envNameFor(before: string, language: SourceLanguage): string {
  const head = before.replace(/\s+$/, '');
  const patterns = [
    /\[\s*["'`]([^"'`]+)["'`]\s*\]\s*(?::\s*[\w<>[\]|. ]+)?=$/, // settings["api_key"] =
    /["'`]([^"'`]+)["'`]\s*:$/, // "api_key": (an object/dict key)
    /([A-Za-z_$][\w$]*)\s*(?::\s*[\w<>[\]|. ]+)?=$/, // apiKey = / apiKey: string = / API_KEY=
    /([A-Za-z_$][\w$]*)\s*:$/, // apiKey: (an object property)
  ];
  for (const p of patterns) {
    const m = p.exec(head);
    if (m) return toEnvName(m[1]);
  }
  return 'SECRET';
}

/** apiKey, api-key, api.key, ApiKEY → API_KEY; a leading digit gets an underscore. */
export function toEnvName(name: string): string {
  const snake = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
  if (!snake) return 'SECRET';
  return /^[0-9]/.test(snake) ? `_${snake}` : snake;
}

/** An environment variable name both languages can read as written. */
export function isEnvName(name: string): boolean {
  return /^[A-Z_][A-Z0-9_]*$/.test(name);
}

/** How the source reads the variable: `process.env.NAME` / `os.environ["NAME"]`. */
export function envRead(language: SourceLanguage, name: string): string {
  return language === 'javascript' ? `process.env.${name}` : `os.environ["${name}"]`;
}

/**
 * The source with the literal replaced by a read of `name` from the environment (and, in Python,
 * `import os` added where the imports are when the module does not import os yet). Undefined when
 * the literal is no longer where it was.
 */
export function replaceLiteralWithEnvRead(text: string, literal: Pick<SourceLiteral, 'language' | 'start' | 'end' | 'raw'>, name: string): string | undefined {
  if (text.slice(literal.start, literal.end) !== literal.raw) return undefined;
  const replaced = text.slice(0, literal.start) + envRead(literal.language, name) + text.slice(literal.end);
  return literal.language === 'python' ? withImportOs(replaced) : replaced;
}

/** Adds `import os` before the module's first import (or after its header: shebang, coding, docstring). */
export function withImportOs(text: string): string {
  if (/^[ \t]*import[ \t]+(?:[\w.]+[ \t]*,[ \t]*)*os\b(?![.\w])/m.test(text)) return text;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split('\n');
  let at = 0;
  // The header: shebang, coding line, comments, blank lines, a module docstring, `from __future__`.
  while (at < lines.length) {
    const l = lines[at].replace(/\r$/, '');
    if (/^\s*(#.*)?$/.test(l)) {
      at++;
      continue;
    }
    const doc = /^\s*[rRuU]?("""|''')/.exec(l);
    if (doc) {
      const closesHere = l.indexOf(doc[1], l.indexOf(doc[1]) + 3) >= 0;
      at++;
      if (!closesHere) {
        while (at < lines.length && !lines[at].includes(doc[1])) at++;
        at++;
      }
      continue;
    }
    if (/^from[ \t]+__future__[ \t]+import\b/.test(l)) {
      at++;
      continue;
    }
    break;
  }
  const firstImport = lines.findIndex((l, i) => i >= at && /^(import|from)[ \t]/.test(l));
  if (firstImport >= 0) at = firstImport;
  else {
    // No imports: right after the header's last non-blank line.
    while (at > 0 && /^\s*$/.test(lines[at - 1])) at--;
  }
  const offset = lines.slice(0, at).reduce((n, l) => n + l.length + 1, 0);
  const blankAfter = firstImport >= 0 ? '' : at < lines.length && lines[at].trim() ? eol : '';
  return text.slice(0, offset) + `import os${eol}${blankAfter}` + text.slice(offset);
}
