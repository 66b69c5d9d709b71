import type { LogLine } from '../provider';
import { redactor } from '../redact';
import { httpStatusOf, levelOf, type LogLevel } from './classify';

export type LogKind = 'app' | 'access';

/** SGR codes the terminal panel and ANSI terminals understand. */
const SGR = {
  reset: '\x1b[0m',
  dim: '\x1b[2m',
  bold: '\x1b[1m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  blue: '\x1b[34m',
  magenta: '\x1b[35m',
  cyan: '\x1b[36m',
  brightRed: '\x1b[91m',
} as const;

export type Colour = keyof typeof SGR;

export const LEVEL_COLOURS: Record<LogLevel, Colour | undefined> = {
  fatal: 'brightRed',
  error: 'red',
  warn: 'yellow',
  info: undefined,
  debug: 'dim',
};

/** 2xx green, 3xx cyan, 4xx yellow, 5xx red: the colours every access-log viewer uses. */
export function statusColour(status: number): Colour | undefined {
  if (status >= 500) return 'red';
  if (status >= 400) return 'yellow';
  if (status >= 300) return 'cyan';
  if (status >= 200) return 'green';
  return undefined;
}

export interface RenderOptions {
  kind: LogKind;
  /** ANSI colours (terminal panel, a TTY); false for files, pipes and NO_COLOR. */
  colour: boolean;
  /** Prefix with the event time; access lines carry their own time, so default: app lines only. */
  showTime?: boolean;
}

/**
 * One line as a person reads it in a terminal: `HH:MM:SS.mmm text`, secrets masked, coloured by
 * level (app) or status (access). Never contains a newline; callers add the line ending.
 */
export function renderLine(line: LogLine, options: RenderOptions): string {
  if (line.marker) return renderMarker(line, options.colour);
  const text = versionTag(line) + redactor.redact(line.text).replace(/\r?\n/g, ' ⏎ ');
  const showTime = options.showTime ?? options.kind === 'app';
  const time = showTime ? formatClock(line.time) : '';
  if (!options.colour) return showTime ? `${time} ${text}` : text;
  const body = options.kind === 'access' ? colourAccess(text) : colourApp(text);
  return showTime ? `${paint('dim', time)} ${body}` : body;
}

/** `[abc123456789] ` before a line whose text does not already start with its version (local app lines do). */
function versionTag(line: LogLine): string {
  if (!line.version || line.text.startsWith(`${line.version} `)) return '';
  return `[${line.version}] `;
}

/** A deployment marker or summary: always timed, set apart by its sign (▶ deploy, ⇄ switch, ↩ rollback, ⚑ approval, Σ summary). */
function renderMarker(line: LogLine, colour: boolean): string {
  const sign = { deploy: '▶', switch: '⇄', rollback: '↩', approval: '⚑', summary: 'Σ' }[line.marker!];
  const text = `── ${sign} ${redactor.redact(line.text).replace(/\r?\n/g, ' ')} ──`;
  const time = formatClock(line.time);
  if (!colour) return `${time} ${text}`;
  const tint: Colour = line.marker === 'rollback' ? 'yellow' : line.marker === 'summary' ? 'magenta' : 'cyan';
  return `${paint('dim', time)} ${SGR.bold}${paint(tint, text)}`;
}

function colourApp(text: string): string {
  const { prefix, message } = stripLocalPrefix(text);
  const level = levelOf(message);
  const colour = level ? LEVEL_COLOURS[level] : undefined;
  const head = prefix ? paint(prefix.includes(' stderr') ? 'magenta' : prefix.includes(' stagecraft') ? 'cyan' : 'dim', prefix) : '';
  return head + (colour ? paint(colour, message) : message);
}

function colourAccess(text: string): string {
  const status = httpStatusOf(text);
  const colour = status === undefined ? undefined : statusColour(status);
  return colour ? paint(colour, text) : text;
}

/** Local app lines read `<version> <stream> <message>`; the prefix is shown dim, the message coloured. */
function stripLocalPrefix(text: string): { prefix: string; message: string } {
  const m = /^(\S{1,40} (?:stdout|stderr|stagecraft) )/.exec(text);
  return m ? { prefix: m[1], message: text.slice(m[1].length) } : { prefix: '', message: text };
}

export function paint(colour: Colour, text: string): string {
  return `${SGR[colour]}${text}${SGR.reset}`;
}

/** Local wall-clock time with milliseconds; the date only when the line is not from today. */
export function formatClock(epochMs: number, now = Date.now()): string {
  const d = new Date(epochMs);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  const today = new Date(now);
  const sameDay = d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() && d.getDate() === today.getDate();
  return sameDay ? clock : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock}`;
}

/** Removes SGR sequences (for tests and for measuring what a person sees). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}
