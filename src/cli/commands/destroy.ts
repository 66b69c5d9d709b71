import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import { removePersonalRecord } from '../../core/personal/registry';
import { findStage } from '../../core/release';
import { dirOption, parseCommandArgs } from '../args';
import { requireStack, type CliCommand } from '../context';
import { noWaitOption, underStageLock } from '../stageLock';

const usage = 'stagecraft destroy STAGE [--force] [--no-wait] [--dir DIR]';

export const destroyCommand: CliCommand = {
  path: ['destroy'],
  usage,
  summary: 'Tear a stage down (processes, database, state); protected stages need --force',
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.args, { ...dirOption, ...noWaitOption, force: { type: 'boolean' } }, usage);
    if (positionals.length !== 1) throw new StagecraftError(`Expected one stage name.\nUsage: ${usage}`, { kind: 'usage' });
    const stack = await requireStack(path.resolve(ctx.cwd, values.dir ?? '.'), ctx.providers);
    const stage = findStage(stack, positionals[0]);
    if (stage.protected && !values.force) {
      throw new StagecraftError(`Stage "${stage.name}" is protected: destroying it deletes its data.`, { kind: 'input', hint: `If you mean it, run \`stagecraft destroy ${stage.name} --force\`.` });
    }
    const provider = await ctx.providers.get(stage.provider, `Destroy ${stage.name}`);
    await underStageLock(ctx, stack.root, stage.name, `destroying ${stage.name}`, values['no-wait'], () =>
      provider.destroy(stack, stage, { signal: ctx.signal, log: ctx.out, force: values.force }),
    );
    // A personal stage destroyed by hand is forgotten too; the next run on its branch creates it again.
    if (stage.personal) await removePersonalRecord(stack.root, stage.name);
    ctx.out(`Destroyed stage ${stage.name}.`);
    return 0;
  },
};
