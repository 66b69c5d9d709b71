import { parseArgs, type ParseArgsConfig } from 'node:util';
import { StagecraftError } from '../core/errors';

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
