/**
 * Removes secret values from text before it reaches a log, an output channel or a terminal.
 * Known values (a stage's database password, …) are replaced wherever they appear; well-known
 * shapes (URL passwords, AWS keys and session tokens, `password=` pairs) are caught by pattern.
 */
const MASK = '****';

const PATTERNS: Array<[RegExp, string]> = [
  // scheme://user:password@host
  [/([a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)[^@\s/]+@/gi, `$1${MASK}@`],
  // AWS access key ids and secret keys
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, `$1${MASK}`],
  [/(aws_secret_access_key|secretAccessKey|SecretAccessKey)(["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{30,}/g, `$1$2${MASK}`],
  [/(aws_session_token|sessionToken|SessionToken|X-Amz-Security-Token)(["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=%]{16,}/g, `$1$2${MASK}`],
  // password=…, "password": "…", PG_PASSWORD=…
  [/((?:pass(?:word)?|passwd|secret|token)["']?\s*[:=]\s*["']?)[^"'\s,}&]+/gi, `$1${MASK}`],
];

export class Redactor {
  private readonly known = new Set<string>();
  /** Names everyone sees (stacks, stages): never masked, even when a secret's value is the same word. */
  private readonly shown = new Set<string>();

  /** Remembers a value to mask from now on (values shorter than 4 characters are too common to mask). */
  add(secret: string | undefined): void {
    if (secret && secret.length >= 4) this.known.add(secret);
  }

  /**
   * Declares names that are public by nature (a stage's or stack's name): a secret whose value is
   * `test` must not turn every mention of stage "test" into `"****" is not a valid…`.
   */
  addPublic(...names: string[]): void {
    for (const n of names) this.shown.add(n);
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.known) if (!this.shown.has(secret)) out = out.split(secret).join(MASK);
    for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
    return out;
  }
}

/** One redactor for the process: providers register secrets, every writer redacts through it. */
export const redactor = new Redactor();
