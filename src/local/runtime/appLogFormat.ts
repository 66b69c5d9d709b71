/**
 * One line of a stage's app.log: `<ISO time> <version> <stream> <text>`, where version is the
 * short commit (or artifact id) and stream is stdout, stderr or stagecraft (the runtime's own
 * notes: started, exited, restarted). Readers (`stagecraft logs`, the log tail) parse it back.
 */
export type AppLogStream = 'stdout' | 'stderr' | 'stagecraft';

export interface AppLogLine {
  time: Date;
  version: string;
  stream: AppLogStream;
  text: string;
}

export function versionLabel(commit: string, artifactId: string): string {
  return (commit || artifactId).slice(0, 12) || 'unknown';
}

export function formatAppLogLine(time: Date, version: string, stream: AppLogStream, text: string): string {
  return `${time.toISOString()} ${version} ${stream} ${text}`;
}

const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (\S+) (stdout|stderr|stagecraft) ?(.*)$/;

export function parseAppLogLine(line: string): AppLogLine | undefined {
  const m = LINE.exec(line);
  return m ? { time: new Date(m[1]), version: m[2], stream: m[3] as AppLogStream, text: m[4] } : undefined;
}
