import type { SecretLintRuleCreator, SecretLintRuleContext, SecretLintSourceCode } from '@secretlint/types' with { 'resolution-mode': 'import' };
import { isPlaceholder } from './placeholders';

/**
 * Passwords inside database connection strings: URL user-info (`postgres://app:pw@db`,
 * `mongodb+srv://`, `redis://:pw@`, …), password parameters (`jdbc:…?password=`, `;password=`),
 * Oracle thin (`jdbc:oracle:thin:user/pw@`) and ADO.NET/ODBC (`Server=…;Password=…`).
 * It reports the password itself, so the editor underlines exactly what has to move.
 */
export const DATABASE_CREDENTIALS_RULE_ID = '@stagecraft/secretlint-rule-database-credentials';

export interface DatabaseCredentialsOptions {
  /** Matches to accept: plain substrings, or `/regexp/flags`. Compared with the whole connection string. */
  allows?: string[];
}

const SCHEMES =
  'postgres(?:ql)?|mysqlx?|mariadb|mongodb(?:\\+srv)?|rediss?|amqps?|mssql|sqlserver|oracle|cockroachdb|clickhouse|couchdb|cassandra|neo4j(?:\\+s{1,2}c?)?|bolt|db2|snowflake';
const NOT_AFTER = '(?<![A-Za-z0-9+.-])';
const STOP = '\\s"\'`<>';

/** scheme://user:password@host — group 1 scheme, 2 password. */
const URL_USERINFO = new RegExp(`${NOT_AFTER}(?:jdbc:)?(${SCHEMES})://[^${STOP}:/?#@]{0,100}:([^${STOP}@/?#]{1,200})@[^${STOP}/?#]`, 'dgi');
/** A password parameter of a database URL or JDBC URL — group 1 password. */
const URL_PARAM = new RegExp(`${NOT_AFTER}(?:jdbc:[a-z0-9]+:|(?:${SCHEMES})://)[^${STOP}]{0,500}?[?&;](?:password|pwd)=([^&;${STOP}]{1,200})`, 'dgi');
/** jdbc:oracle:thin:user/password@host — group 1 password. */
const ORACLE_THIN = new RegExp(`jdbc:oracle:(?:thin|oci):[^${STOP}/:@]{1,100}/([^${STOP}@]{1,200})@`, 'dgi');
/** Password=… of a key=value connection string — group 1 password; its neighbours decide. */
const KEY_VALUE = /(?<![A-Za-z0-9_])(?:password|pwd)\s*=\s*([^;"'`\s<>]{1,200})/dgi;
const KEY_VALUE_NEIGHBOUR = /(?:^|;)\s*(?:server|data source|host|address|addr|network address|initial catalog|database|uid|user id|username|port)\s*=/i;

const LABELS: Record<string, string> = {
  postgres: 'PostgreSQL',
  postgresql: 'PostgreSQL',
  mysql: 'MySQL',
  mysqlx: 'MySQL',
  mariadb: 'MariaDB',
  mongodb: 'MongoDB',
  'mongodb+srv': 'MongoDB',
  redis: 'Redis',
  rediss: 'Redis',
  amqp: 'AMQP',
  amqps: 'AMQP',
  mssql: 'SQL Server',
  sqlserver: 'SQL Server',
};

const messages = {
  URL_PASSWORD: { en: (p?: { kind?: string }) => `Password in ${article(p?.kind ?? 'database')} ${p?.kind ?? 'database'} connection string. Keep it in a stage secret or an environment variable, not in a file.` },
  PARAMETER_PASSWORD: { en: () => 'Password parameter in a database connection string. Keep it in a stage secret or an environment variable, not in a file.' },
};

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

function allowed(match: string, allows: string[]): boolean {
  return allows.some(a => {
    const re = /^\/(.+)\/([a-z]*)$/.exec(a);
    return re ? new RegExp(re[1], re[2]).test(match) : match.includes(a);
  });
}

function report(context: SecretLintRuleContext, messageId: keyof typeof messages, kind: string | undefined, start: number, end: number): void {
  // The message is built here rather than through the translator so that no value rides along as
  // message data (secretlint masks data, but the label is not secret and should stay readable).
  context.report({ message: { message: messages[messageId].en({ kind }), messageId, data: undefined }, range: [start, end] });
}

export const databaseCredentialsRule: SecretLintRuleCreator<DatabaseCredentialsOptions> = {
  messages,
  meta: {
    id: DATABASE_CREDENTIALS_RULE_ID,
    recommended: true,
    type: 'scanner',
    supportedContentTypes: ['text'],
  },
  create(context, options) {
    const allows = options?.allows ?? [];
    return {
      file(source: SecretLintSourceCode) {
        const text = source.content;
        const seen = new Set<number>();
        const emit = (m: RegExpMatchArray, group: number, messageId: keyof typeof messages, kind?: string) => {
          const span = m.indices?.[group];
          const value = m[group];
          if (!span || value === undefined) return;
          const trimmed = value.replace(/\s+$/, '');
          if (trimmed.length < 4 || isPlaceholder(decodeSafely(trimmed)) || seen.has(span[0]) || allowed(tokenAt(text, m.index ?? 0), allows)) return;
          seen.add(span[0]);
          report(context, messageId, kind, span[0], span[0] + trimmed.length);
        };
        if (!/:\/\/|jdbc:|password|pwd/i.test(text)) return;
        for (const m of text.matchAll(URL_USERINFO)) emit(m, 2, 'URL_PASSWORD', LABELS[m[1].toLowerCase()] ?? m[1].toLowerCase());
        for (const m of text.matchAll(URL_PARAM)) emit(m, 1, 'PARAMETER_PASSWORD');
        for (const m of text.matchAll(ORACLE_THIN)) emit(m, 1, 'URL_PASSWORD', 'Oracle');
        for (const m of text.matchAll(KEY_VALUE)) {
          if (KEY_VALUE_NEIGHBOUR.test(segmentAround(text, m.index ?? 0))) emit(m, 1, 'PARAMETER_PASSWORD');
        }
      },
    };
  },
};

/** The whole connection string starting at `index` (up to a space, a quote or the line's end). */
function tokenAt(text: string, index: number): string {
  const rest = text.slice(index, index + 2000);
  const end = rest.search(/[\s"'`<>]/);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The part of the line around `index` that a quote or the line ends, where a key=value string lives. */
function segmentAround(text: string, index: number): string {
  let from = index;
  while (from > 0 && !/["'`\r\n]/.test(text[from - 1])) from--;
  let to = index;
  while (to < text.length && !/["'`\r\n]/.test(text[to])) to++;
  return text.slice(from, to);
}

function decodeSafely(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
