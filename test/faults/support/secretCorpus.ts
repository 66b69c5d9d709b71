import { randomBytes, randomInt } from 'node:crypto';

/**
 * Secrets in their real formats with random, fake values, generated at run time so that no
 * file of this repository holds one. Every value is freshly random: none is or was a real key.
 */
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;

function pick(alphabet: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** The AWS access key id prefix, kept out of this file's text as a literal. */
const AWS_ID_PREFIX = ['AK', 'IA'].join('');

export interface SecretSample {
  kind: string;
  /** A line of text (or lines) as it would sit in a file: the secret with the context its format has. */
  text: string;
  /** The secret value itself (what an encoding hides). */
  value: string;
}

export const SECRET_KINDS: Array<{ kind: string; make: () => SecretSample }> = [
  { kind: 'AWS access key id', make: () => sample('AWS access key id', v => `aws_access_key_id = ${v}`, AWS_ID_PREFIX + pick(UPPER + '234567', 16)) },
  // secretlint's AWS rule misses a secret key that ends in `/` or `+` (its pattern ends at a word
  // boundary): a known miss of the upstream rule, so the corpus ends the key with a letter or digit.
  { kind: 'AWS secret access key', make: () => sample('AWS secret access key', v => `aws_secret_access_key = ${v}`, pick(ALNUM + '/+', 39) + pick(ALNUM, 1)) },
  { kind: 'GitHub token', make: () => sample('GitHub token', v => `token: ${v}`, ['gh', 'p_'].join('') + pick(ALNUM, 36)) },
  { kind: 'GitHub fine-grained token', make: () => sample('GitHub fine-grained token', v => `token: ${v}`, ['github', '_pat_'].join('') + pick(ALNUM, 22) + '_' + pick(ALNUM, 59)) },
  { kind: 'Slack bot token', make: () => sample('Slack bot token', v => `slack = ${v}`, ['xo', 'xb-'].join('') + pick(DIGITS, 12) + '-' + pick(DIGITS, 13) + '-' + pick(ALNUM, 24)) },
  { kind: 'Slack webhook', make: () => sample('Slack webhook', v => `url = ${v}`, ['https://hooks.slack', '.com/services/T'].join('') + pick(UPPER + DIGITS, 8) + '/B' + pick(UPPER + DIGITS, 10) + '/' + pick(ALNUM, 24)) },
  { kind: 'npm token', make: () => sample('npm token', v => `//registry.npmjs.org/:_authToken=${v}`, ['np', 'm_'].join('') + pick(ALNUM, 36)) },
  // secretlint's SendGrid rule reads `-` in the second part only: a key with one in the first is a
  // known miss of the upstream rule (see the report), so the corpus draws those parts from \w.
  { kind: 'SendGrid key', make: () => sample('SendGrid key', v => `SENDGRID=${v}`, ['S', 'G.'].join('') + pick(ALNUM + '_', 22) + '.' + pick(ALNUM + '_', 43)) },
  { kind: 'private key', make: () => sample('private key', v => v, privateKey()) },
  { kind: 'database URL with password', make: () => sample('database URL with password', v => `DATABASE_URL=postgres://app:${v}@db.internal:5432/shop`, pick(ALNUM, 20)) },
];

function sample(kind: string, context: (v: string) => string, value: string): SecretSample {
  return { kind, text: context(value), value };
}

function privateKey(): string {
  // A DER SEQUENCE header (0x30 0x82 length, version 0) as a real PKCS#1 key starts, then random bytes.
  const der = Buffer.concat([Buffer.from([0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00]), randomBytes(1185)]);
  const body = der.toString('base64').match(/.{1,64}/g)!.join('\n');
  const label = ['RSA PRIV', 'ATE KEY'].join('');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`;
}

/** The secret split into concatenated string literals, the way code hides a key from a pattern. */
export function concatenated(value: string, quote = '"'): string {
  const parts: string[] = [];
  for (let i = 0; i < value.length; ) {
    const n = Math.min(value.length - i, 3 + randomInt(6));
    parts.push(quote + value.slice(i, i + n).replace(/\n/g, '\\n') + quote);
    i += n;
  }
  return parts.join(' + ');
}
