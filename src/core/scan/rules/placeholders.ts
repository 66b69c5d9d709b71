/**
 * Tells a real-looking secret value from the placeholders that documentation, templates and
 * example files are full of, so the scanner's own rules stay quiet on them.
 */

const PLACEHOLDER_WORDS = new Set([
  'password',
  'passwd',
  'pass',
  'pwd',
  'secret',
  'changeme',
  'mypassword',
  'yourpassword',
  'your_password',
  'your-password',
  'redacted',
  'placeholder',
  'example',
  'dummy',
  'none',
  'null',
  'undefined',
  'true',
  'false',
]);

/** `${X}`, `{{x}}`, `{x}`, `%X%`, `$X`, `$(x)`, `<x>`, `%s`, `%(x)s`, `[x]`, `:x` bind parameters. */
const TEMPLATE = [/\$\{[^}]{0,80}\}?/, /\{\{[^}]{0,80}\}\}/, /^\{[^}]{1,80}\}$/, /%[A-Za-z_][A-Za-z0-9_]{0,40}%/, /^\$[A-Za-z_]/, /\$\([^)]{0,80}\)/, /^<[^>]{1,80}>$/, /%\(?[a-z_]*\)?[sd]/, /^\[[^\]]{1,80}\]$/, /^:[a-z_]+$/i];

export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v.length === 0) return true;
  if (PLACEHOLDER_WORDS.has(v.toLowerCase())) return true;
  if (/^(.)\1+$/.test(v)) return true; // ****, xxxx, 0000
  if (/^x{3,}|x{3,}$/i.test(v) && /x{3,}/i.test(v)) return true; // xxx-secret-xxx
  if (/^(your|my|insert|enter|replace)[-_ ]?/i.test(v) && /(here|password|secret|token|key)$/i.test(v)) return true;
  return TEMPLATE.some(re => re.test(v));
}

/** A value worth reporting: long enough to be a credential and not a placeholder. */
export function looksLikeSecretValue(value: string, minLength: number): boolean {
  return value.length >= minLength && !isPlaceholder(value);
}
