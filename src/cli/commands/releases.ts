import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import { formatLedger, loadLedger } from '../../core/ledger';
import { findStage } from '../../core/release';
import { dirOption, parseCommandArgs } from '../args';
import { requireStack, type CliCommand } from '../context';

const usage = 'stagecraft releases [--stage S] [--limit N] [--json] [--dir DIR]';

export const releasesCommand: CliCommand = {
  path: ['releases'],
  usage,
  summary: 'The release ledger: recent commits (newest first), the stages each reached, by which run, approved by whom',
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.args, { ...dirOption, stage: { type: 'string' }, limit: { type: 'string', default: '30' }, json: { type: 'boolean' } }, usage);
    if (positionals.length) throw new StagecraftError(`Unexpected argument "${positionals[0]}".\nUsage: ${usage}`, { kind: 'usage' });
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new StagecraftError('--limit must be a positive whole number.', { kind: 'usage' });
    const stack = await requireStack(path.resolve(ctx.cwd, values.dir ?? '.'), ctx.providers);
    if (values.stage) findStage(stack, values.stage);
    const entries = await loadLedger(stack, { stage: values.stage, limit });
    if (values.json) {
      ctx.out(JSON.stringify(entries, null, 2));
      return 0;
    }
    if (entries.length === 0) ctx.out(values.stage ? `Nothing released to ${values.stage} yet.` : 'No commits or runs yet.');
    for (const line of formatLedger(entries)) ctx.out(line);
    return 0;
  },
};
