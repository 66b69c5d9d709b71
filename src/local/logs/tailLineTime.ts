/**
 * The time of a line in a stage's log files, read from the line itself: app.log lines start with
 * an ISO timestamp (which the tail moves into LogLine.time), access.log lines carry Apache's
 * `[10/Oct/2000:13:55:36 -0700]`.
 */
export interface TimedText {
  time: number | undefined;
  text: string;
}

const ISO_PREFIX = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)) /;

export function splitAppLine(line: string): TimedText {
  const m = ISO_PREFIX.exec(line);
  if (!m) return { time: undefined, text: line };
  const time = Date.parse(m[1]);
  return Number.isNaN(time) ? { time: undefined, text: line } : { time, text: line.slice(m[0].length) };
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
const APACHE_TIME = /\[(\d\d)\/([A-Z][a-z]{2})\/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)\]/;

/** Access lines keep their text whole (the format is what tools expect); only the time is read. */
export function splitAccessLine(line: string): TimedText {
  return { time: apacheTimeOf(line), text: line };
}

export function apacheTimeOf(line: string): number | undefined {
  const m = APACHE_TIME.exec(line);
  if (!m || MONTHS[m[2]] === undefined) return undefined;
  const [, dd, mon, yyyy, hh, mi, ss, sign, oh, om] = m;
  const utc = Date.UTC(Number(yyyy), MONTHS[mon], Number(dd), Number(hh), Number(mi), Number(ss));
  const offset = (Number(oh) * 60 + Number(om)) * 60_000 * (sign === '+' ? 1 : -1);
  return utc - offset;
}
