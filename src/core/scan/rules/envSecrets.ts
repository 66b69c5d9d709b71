import type { SecretLintRuleCreator, SecretLintSourceCode } from '@secretlint/types' with { 'resolution-mode': 'import' };
import { isMap, isPair, isScalar, isSeq, parseDocument, type Scalar } from 'yaml';
import { looksLikeSecretValue } from './placeholders';

/**
 * Literal values of secret-named variables (`DB_PASSWORD=…`, `API_TOKEN: …`) in the two files
 * where Stagecraft knows a variable is a variable: `.env*` files and the `env:` of each stage in
 * `stagecraft.yaml`. These are the values "Move to a stage secret" takes out of the file.
 */
export const ENV_SECRETS_RULE_ID = '@stagecraft/secretlint-rule-env-secrets';

const SECRET_NAME = /(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|SIGNING_?KEY|ENCRYPTION_?KEY|CREDENTIALS?)/i;
/** Names that merely point at a secret or describe it. */
const NOT_A_VALUE = /(_URL|_URI|_ENDPOINT|_PATH|_FILE|_DIR|_ID|_NAME|_USER|_USERNAME|_TTL|_EXPIRY|_EXPIRES|_EXPIRES_IN|_HEADER|_ISSUER|_AUDIENCE|_LENGTH|_SIZE|_TIMEOUT|_ARN|_REF|_TYPE|_ALGORITHM|_VERSION|_REGION)$/i;
const MIN_LENGTH = 6;

export function isSecretVariableName(name: string): boolean {
  return SECRET_NAME.test(name) && !NOT_A_VALUE.test(name);
}

function isValueWorthReporting(value: string): boolean {
  if (/^\d{1,7}$/.test(value)) return false; // ports, counts
  if (/^(https?|file):\/\//i.test(value)) return false; // a URL pointing at a secret store
  if (/^(arn:|projects\/|vault:|ssm:|secretsmanager:|op:\/\/)/i.test(value)) return false; // references
  return looksLikeSecretValue(value, MIN_LENGTH);
}

export function isEnvFileName(filePath: string | undefined): boolean {
  const base = (filePath ?? '').split(/[\\/]/).pop() ?? '';
  return /^\.env(\..+)?$/.test(base) || /\.env$/.test(base);
}

export function isStackFileName(filePath: string | undefined): boolean {
  return (filePath ?? '').split(/[\\/]/).pop() === 'stagecraft.yaml';
}

const messages = {
  ENV_FILE_SECRET: { en: () => 'Literal value of a secret-named variable in an env file. Move it to a stage secret, or keep the file out of git.' },
  STACK_FILE_SECRET: { en: () => 'Literal value of a secret-named variable in stagecraft.yaml. Use `{ secret: NAME }` and keep the value as a stage secret.' },
};

export const envSecretsRule: SecretLintRuleCreator = {
  messages,
  meta: {
    id: ENV_SECRETS_RULE_ID,
    recommended: true,
    type: 'scanner',
    supportedContentTypes: ['text'],
  },
  create(context) {
    const t = context.createTranslator(messages);
    return {
      file(source: SecretLintSourceCode) {
        const filePath = source.getFilePath();
        if (isEnvFileName(filePath)) {
          for (const v of envFileValues(source.content)) context.report({ message: t('ENV_FILE_SECRET'), range: [v.start, v.end] });
        } else if (isStackFileName(filePath)) {
          for (const v of stackFileEnvValues(source.content)) context.report({ message: t('STACK_FILE_SECRET'), range: [v.start, v.end] });
        }
      },
    };
  },
};

export interface EnvValueSpan {
  name: string;
  /** Offsets of the value without quotes. */
  start: number;
  end: number;
  /** For stagecraft.yaml: the stage the variable belongs to. */
  stage?: string;
}

const ENV_LINE = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*(.*)$/gm;

/** Secret-looking `NAME=value` lines of a dotenv file; quotes and inline comments are left out of the span. */
export function envFileValues(text: string): EnvValueSpan[] {
  const out: EnvValueSpan[] = [];
  for (const m of text.matchAll(ENV_LINE)) {
    const name = m[1];
    if (!isSecretVariableName(name)) continue;
    const raw = m[2].replace(/\r$/, '');
    const valueAt = (m.index ?? 0) + m[0].length - m[2].length;
    const span = unquote(raw);
    if (!span) continue;
    const value = raw.slice(span[0], span[1]);
    if (isValueWorthReporting(value)) out.push({ name, start: valueAt + span[0], end: valueAt + span[1] });
  }
  return out;
}

/** [start, end) of the value inside `raw`: inside quotes, or up to an inline ` #` comment. */
export function unquote(raw: string): [number, number] | undefined {
  const q = raw[0];
  if (q === '"' || q === "'" || q === '`') {
    const close = raw.indexOf(q, 1);
    return close > 1 ? [1, close] : undefined;
  }
  const comment = raw.search(/\s#/);
  const end = (comment >= 0 ? raw.slice(0, comment) : raw).trimEnd().length;
  return end > 0 ? [0, end] : undefined;
}

/** Secret-looking literal values under `stages[*].env` of a stagecraft.yaml. */
export function stackFileEnvValues(text: string): EnvValueSpan[] {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return [];
  const stages = doc.contents.get('stages', true);
  if (!isSeq(stages)) return [];
  const out: EnvValueSpan[] = [];
  for (const stage of stages.items) {
    if (!isMap(stage)) continue;
    const stageName = stage.get('name');
    const env = stage.get('env', true);
    if (!isMap(env)) continue;
    for (const pair of env.items) {
      if (!isPair(pair) || !isScalar(pair.key) || !isScalar(pair.value)) continue;
      const name = String(pair.key.value);
      const node = pair.value as Scalar;
      if (typeof node.value !== 'string' || !node.range || !isSecretVariableName(name) || !isValueWorthReporting(node.value)) continue;
      const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0;
      const start = node.range[0] + quoted;
      const end = Math.max(start, node.range[1] - quoted);
      out.push({ name, start, end, stage: typeof stageName === 'string' ? stageName : undefined });
    }
  }
  return out;
}
