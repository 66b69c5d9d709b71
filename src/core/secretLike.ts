/**
 * Whether an environment variable's plain value looks like a secret that should live in the
 * provider's secret store (`{ secret: NAME }` in stagecraft.yaml) rather than in the file. A
 * quick heuristic for the Environment Variables panel, run on every edit: known credential
 * shapes, a secret-sounding name with a real-looking value, or a long random string. It says
 * why, so the user can judge. No I/O, safe to call anywhere.
 */

/** Credential formats with a recognisable prefix or frame. */
const KNOWN_SHAPES: Array<[RegExp, string]> = [
  [/^-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/^(AKIA|ASIA)[A-Z0-9]{16}$/, 'an AWS access key id'],
  [/^(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}$/, 'a GitHub token'],
  [/^github_pat_[A-Za-z0-9_]{30,}$/, 'a GitHub token'],
  [/^glpat-[A-Za-z0-9_-]{20,}$/, 'a GitLab token'],
  [/^xox[abposr]-[A-Za-z0-9-]{10,}$/, 'a Slack token'],
  [/^(sk|rk|pk)_(live|test)_[A-Za-z0-9]{16,}$/, 'a Stripe key'],
  [/^sk-[A-Za-z0-9_-]{20,}$/, 'an API secret key'],
  [/^AIza[A-Za-z0-9_-]{35}$/, 'a Google API key'],
  [/^npm_[A-Za-z0-9]{36}$/, 'an npm token'],
  [/^SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}$/, 'a SendGrid key'],
  [/^eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}$/, 'a signed token (JWT)'],
  [/^[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:[^@\s/]{3,}@/i, 'a URL with a password in it'],
];

const SECRET_NAME = /(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|SIGNING_?KEY|CREDENTIALS?)/i;
/** Names that point at a secret or describe it, rather than hold it. */
const POINTER_NAME = /(_URL|_URI|_ENDPOINT|_PATH|_FILE|_DIR|_ID|_NAME|_USER|_USERNAME|_TTL|_EXPIRY|_EXPIRES_IN|_HEADER|_ISSUER|_LENGTH|_SIZE|_TIMEOUT|_ARN|_REF|_TYPE|_ALGORITHM|_VERSION|_REGION)$/i;

const PLACEHOLDER = /^(\$\{.*\}|\$[A-Za-z_]\w*|<[^>]*>|\{\{.*\}\}|changeme|change-me|example|placeholder|todo|xxx+|\*+|none|null|true|false)$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Why `value` (of variable `name`) looks like a secret, or undefined when it does not. */
export function secretLikeReason(name: string, value: string): string | undefined {
  const v = value.trim();
  if (v.length < 6 || PLACEHOLDER.test(v)) return undefined;
  for (const [shape, what] of KNOWN_SHAPES) if (shape.test(v)) return `looks like ${what}`;
  if (/^\d+$/.test(v) || /^https?:\/\/[^@]*$/i.test(v) || UUID.test(v)) return undefined;
  if (SECRET_NAME.test(name) && !POINTER_NAME.test(name)) return `"${name}" sounds like a secret and has a literal value`;
  if (isRandomLooking(v)) return 'looks like a random key or token';
  return undefined;
}

/** A long string without spaces whose characters are spread like a generated key's. */
export function isRandomLooking(value: string): boolean {
  if (value.length < 20 || /\s/.test(value)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter(re => re.test(value)).length;
  const hex = /^[0-9a-f]+$/i.test(value);
  if (hex) return value.length >= 32 && shannonEntropy(value) >= 3.0;
  return classes >= 3 && shannonEntropy(value) >= 4.0;
}

/** Bits per character of `text` as a sample of its own characters. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
