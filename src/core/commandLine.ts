import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadStackFile } from './config/load';
import type { StackSchema } from './config/schema';
import { StagecraftError } from './errors';
import type { Stack } from './model';
import { withPersonalStages } from './personal/stage';
import { formatProblem } from './problems';

/** What CLI commands share, the generic ones (src/cli) and those a provider adds. */

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with unknown options and missing values reported as usage errors (exit 2). */
export function parseCommandArgs<O extends Options>(args: string[], options: O, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new StagecraftError(`${(err as Error).message}\nUsage: ${usage}`, { kind: 'usage' });
  }
}

export const dirOption = { dir: { type: 'string', short: 'C' } } as const;

/**
 * Loads the stack of `dir` with the developers' personal stages (kept in the state folder)
 * merged in, turning a missing or invalid file into a usage error (exit 2).
 */
export async function requireStack(dir: string, providers: { stackSchema(): StackSchema }): Promise<Stack> {
  const loaded = await loadStackFile(dir, providers.stackSchema(), withDefaultSignals);
  if (!loaded) {
    throw new StagecraftError(`No stagecraft.yaml in ${path.resolve(dir)}.`, { kind: 'input', hint: 'Run `stagecraft init` to create one.' });
  }
  if (!loaded.stack) {
    const errors = loaded.problems.filter(p => p.severity === 'error');
    throw new StagecraftError(`${loaded.file} is not valid:\n${errors.map(formatProblem).join('\n')}`, { kind: 'input' });
  }
  return withPersonalStages(loaded.stack);
}

const PROCESS_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Runs synchronous, CPU-bound work (parsing a large stagecraft.yaml) with the signals' default
 * action: a JavaScript handler could only run after the work, so while it runs there is none and
 * Ctrl-C ends the process at once (the shell reports 130/143). There is nothing to clean up then.
 */
export function withDefaultSignals<T>(work: () => T): T {
  const saved = PROCESS_SIGNALS.map(name => [name, process.listeners(name)] as const);
  for (const [name] of saved) process.removeAllListeners(name);
  try {
    return work();
  } finally {
    for (const [name, listeners] of saved) for (const l of listeners) process.on(name, l);
  }
}
