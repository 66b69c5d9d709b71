import * as path from 'node:path';
import { loadStackFile } from '../core/config/load';
import { StagecraftError } from '../core/errors';
import type { Stack } from '../core/model';
import { withPersonalStages } from '../core/personal/stage';
import { formatProblem } from '../core/problems';

/** What every command gets: parsed options, where to write, and the folder it works in. */
export interface CliContext {
  args: string[];
  cwd: string;
  out: (line: string) => void;
  err: (line: string) => void;
  signal: AbortSignal;
}

export interface CliCommand {
  /** Words that name the command, e.g. ['stage', 'add']. */
  path: string[];
  usage: string;
  summary: string;
  run(ctx: CliContext): Promise<number>;
}

/**
 * Loads the stack of `dir` with the developers' personal stages (kept in the state folder)
 * merged in, turning a missing or invalid file into a usage error (exit 2).
 */
export async function requireStack(dir: string): Promise<Stack> {
  const loaded = await loadStackFile(dir);
  if (!loaded) {
    throw new StagecraftError(`No stagecraft.yaml in ${path.resolve(dir)}.`, { kind: 'input', hint: 'Run `stagecraft init` to create one.' });
  }
  if (!loaded.stack) {
    const errors = loaded.problems.filter(p => p.severity === 'error');
    throw new StagecraftError(`${loaded.file} is not valid:\n${errors.map(formatProblem).join('\n')}`, { kind: 'input' });
  }
  return withPersonalStages(loaded.stack);
}
