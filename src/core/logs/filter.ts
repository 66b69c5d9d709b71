import { StagecraftError } from '../errors';

/** Whether a line's text passes a filter. */
export type LineFilter = (text: string) => boolean;

/**
 * CloudWatch Logs filter patterns for unstructured lines, so a pattern means the same on a local
 * stage as on AWS (where the service applies it):
 *   `ERROR timeout`        every term appears (case-sensitive)
 *   `"Internal Error"`     an exact phrase
 *   `?ERROR ?WARN`         at least one of the `?` terms
 *   `ERROR -healthcheck`   and not this term
 *   `%5\d\d%`              a regular expression
 * JSON (`{ $.level = "error" }`) and space-delimited (`[ip, ...]`) patterns only work where
 * CloudWatch evaluates them.
 */
export function compileFilter(pattern: string | undefined): LineFilter {
  const text = (pattern ?? '').trim();
  if (text === '') return () => true;
  if (isStructuredPattern(text)) {
    throw new StagecraftError(`The filter ${text} is a JSON or space-delimited pattern, which only CloudWatch Logs evaluates.`, {
      kind: 'usage',
      hint: 'For local logs use terms ("ERROR timeout"), phrases in quotes, ?either ?or, -exclude, or %regular expression%.',
    });
  }
  const required: Matcher[] = [];
  const optional: Matcher[] = [];
  const excluded: Matcher[] = [];
  for (const token of tokens(text)) {
    const list = token.prefix === '?' ? optional : token.prefix === '-' ? excluded : required;
    list.push(token.matcher);
  }
  return line => required.every(m => m(line)) && (optional.length === 0 || optional.some(m => m(line))) && !excluded.some(m => m(line));
}

export function isStructuredPattern(pattern: string): boolean {
  return /^\s*[{[]/.test(pattern);
}

type Matcher = (line: string) => boolean;

interface Token {
  prefix: '' | '?' | '-';
  matcher: Matcher;
}

function tokens(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) break;
    let prefix: Token['prefix'] = '';
    if ((text[i] === '?' || text[i] === '-') && i + 1 < text.length && !/\s/.test(text[i + 1])) prefix = text[i++] as '?' | '-';
    const open = text[i];
    if (open === '"' || open === '%') {
      const close = text.indexOf(open, i + 1);
      if (close < 0) throw new StagecraftError(`The filter ${text} has an unclosed ${open}.`, { kind: 'usage' });
      const body = text.slice(i + 1, close);
      out.push({ prefix, matcher: open === '"' ? contains(body.replace(/\\"/g, '"')) : regex(body, text) });
      i = close + 1;
    } else {
      const start = i;
      while (i < text.length && !/\s/.test(text[i])) i++;
      out.push({ prefix, matcher: contains(text.slice(start, i)) });
    }
  }
  return out;
}

function contains(term: string): Matcher {
  return line => line.includes(term);
}

function regex(body: string, pattern: string): Matcher {
  try {
    const re = new RegExp(body);
    return line => re.test(line);
  } catch (err) {
    throw new StagecraftError(`The filter ${pattern} has an invalid regular expression: ${(err as Error).message}.`, { kind: 'usage' });
  }
}
