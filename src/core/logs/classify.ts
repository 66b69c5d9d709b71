/**
 * What a line is, for colouring: the level of an application line, the status class of an access
 * line. Both are read from the text alone so that local files and CloudWatch events (plain,
 * JSON from pino/winston/bunyan, API Gateway access records) get the same treatment.
 */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug';

const WORD_LEVELS: Array<[RegExp, LogLevel]> = [
  [/\b(FATAL|CRITICAL|CRIT|EMERG(ENCY)?|ALERT|PANIC)\b/i, 'fatal'],
  [/\b(ERROR|ERR|SEVERE|EXCEPTION)\b|Error:|\bUnhandled/i, 'error'],
  [/\b(WARN|WARNING)\b|DeprecationWarning/i, 'warn'],
  [/\b(DEBUG|TRACE|VERBOSE)\b/i, 'debug'],
  [/\b(INFO|NOTICE)\b/i, 'info'],
];

/** pino/bunyan numeric levels: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal. */
const NUMERIC_LEVELS: Record<string, LogLevel> = { '10': 'debug', '20': 'debug', '30': 'info', '40': 'warn', '50': 'error', '60': 'fatal' };

const LEVEL_NAMES: Record<string, LogLevel> = {
  fatal: 'fatal', critical: 'fatal', crit: 'fatal', emerg: 'fatal', emergency: 'fatal', alert: 'fatal', panic: 'fatal',
  error: 'error', err: 'error', severe: 'error',
  warn: 'warn', warning: 'warn',
  info: 'info', notice: 'info', log: 'info',
  debug: 'debug', trace: 'debug', verbose: 'debug',
};

/**
 * The level a line states, looking first at a structured field (`"level":"error"`, `level=warn`,
 * `"level":50`), then at the first level word near the start ("ERROR", "[warn]", "W/").
 * Undefined when the line says nothing.
 */
export function levelOf(text: string): LogLevel | undefined {
  const field = /["']?(?:level|severity|lvl|loglevel)["']?\s*[:=]\s*["']?([A-Za-z]+|\d{2})\b/i.exec(text);
  if (field) {
    const value = field[1].toLowerCase();
    const level = NUMERIC_LEVELS[value] ?? LEVEL_NAMES[value];
    if (level) return level;
  }
  // Only the head of a plain line: "ERROR" deep inside a message is usually quoted data.
  const head = text.length > 120 ? text.slice(0, 120) : text;
  for (const [re, level] of WORD_LEVELS) if (re.test(head)) return level;
  return undefined;
}

/**
 * The HTTP status of an access line: Apache common/combined (`"GET / HTTP/1.1" 404 12`) or a JSON
 * record with a `status` field (API Gateway, ALB-style JSON). Undefined when there is none.
 */
export function httpStatusOf(text: string): number | undefined {
  const combined = /"[A-Z]+ [^"]* HTTP\/[\d.]+" (\d{3}) /.exec(text) ?? /" (\d{3}) (?:\d+|-)(?: |$)/.exec(text);
  if (combined) return Number(combined[1]);
  const json = /"status(?:Code)?"\s*:\s*"?(\d{3})\b/.exec(text);
  if (json) return Number(json[1]);
  return undefined;
}

/** Every error line matches this (a level word or field, an exception, a traceback, a 5xx number). */
const MIGHT_BE_ERROR = /err|fatal|crit|emerg|alert|panic|severe|exception|unhandled|traceback|level|severity|lvl|\b5\d\d\b/i;

/**
 * Whether a line counts as an error for the before/after summary of a switch: an error or fatal
 * level, the first line of a stack trace (Node's "TypeError: …", Python's "Traceback", Java's
 * "Exception in thread"), or an HTTP 5xx access line. Continuation lines ("    at f (x.js:1:2)")
 * are not counted: one failure is one error line.
 */
export function isErrorLine(text: string): boolean {
  // Most lines name no level, exception or 5xx status at all: one scan turns them away.
  if (!MIGHT_BE_ERROR.test(text)) return false;
  const message = text.replace(/^\S{1,40} (?:stdout|stderr|stagecraft) /, '');
  const level = levelOf(message);
  if (level === 'error' || level === 'fatal') return true;
  if (/^(?:Uncaught )?[A-Z]\w*(?:Error|Exception)\b(?::|$)|^Traceback \(most recent call last\)|^Exception in thread /.test(message)) return true;
  const status = httpStatusOf(text);
  return status !== undefined && status >= 500 && status <= 599;
}
