import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import { compileFilter, startTimeOf } from '../../core/logs';
import type { LogLine } from '../../core/provider';
import { stateDir } from '../../core/workspace';
import { parseAppLogLine } from '../runtime/appLogFormat';
import { tailFile } from './tailFile';
import { splitAccessLine, splitAppLine } from './tailLineTime';

export interface LocalTailOptions {
  kind: 'app' | 'access';
  follow: boolean;
  /** How far back to start, in milliseconds before now (default 10 minutes); read from the lines' own timestamps. */
  sinceMs?: number;
  /** A CloudWatch-style filter pattern (terms, "phrases", ?any, -not, %regex%). */
  filter?: string;
  signal?: AbortSignal;
  /** Poll interval of the safety net under fs.watch (tests and benchmarks turn it). */
  pollMs?: number;
}

/** `<root>/.stagecraft/logs/<stage>/app.log` or `access.log`, as the stage runtime and proxy write them. */
export function localLogFile(root: string, stage: string, kind: 'app' | 'access'): string {
  return path.join(stateDir(root), 'logs', stage, kind === 'access' ? 'access.log' : 'app.log');
}

/**
 * A local stage's application or access log as LogLines: the lines of the last `sinceMs` (rotated
 * files included), then, when following, each line as it is written, across rotation, until the
 * signal fires (the iteration then simply ends). Filter errors are thrown before anything is read.
 */
export async function* tailLocalLog(root: string, stage: string, options: LocalTailOptions): AsyncGenerator<LogLine> {
  const filter = compileFilter(options.filter);
  const file = localLogFile(root, stage, options.kind);
  const start = startTimeOf(options.sinceMs);
  const split = options.kind === 'access' ? splitAccessLine : splitAppLine;
  let lastTime = start;
  let any = false;
  for await (const batch of tailFile(file, { follow: options.follow, signal: options.signal, rotatedSince: start, pollMs: options.pollMs })) {
    any = true;
    for (const raw of batch) {
      // A line without a time (a wrapped stack trace) belongs with the line before it.
      const { time, text } = split(raw.text);
      if (time !== undefined) lastTime = time;
      if (lastTime < start || !filter(text)) continue;
      // App lines say which version (short commit or artifact) of the app wrote them.
      const version = options.kind === 'app' ? parseAppLogLine(raw.text)?.version : undefined;
      yield { time: lastTime, text, id: `${raw.file}:${raw.offset}`, ...(version ? { version } : {}) };
    }
  }
  if (!any && !options.follow && !options.signal?.aborted && !(await exists(file))) {
    throw new StagecraftError(`Stage ${stage} has no ${options.kind === 'access' ? 'access' : 'application'} log yet (${file}).`, {
      kind: 'input',
      hint: `Deploy the stage first, or follow the log to see lines as soon as it starts (\`stagecraft logs ${stage} --follow\`).`,
    });
  }
}

function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}
