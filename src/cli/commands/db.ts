import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import { findStage } from '../../core/release';
import { dirOption, parseCommandArgs } from '../args';
import { requireStack, type CliCommand } from '../context';
import { noWaitOption, underStageLock } from '../stageLock';

const usage = 'stagecraft db secret STAGE [--reveal] [--json] | db rotate STAGE | db create STAGE [--no-wait] [--dir DIR]';

/** The stage database's connection details; the password only with --reveal. */
export const dbCommand: CliCommand = {
  path: ['db'],
  usage,
  summary: "Show a stage database's connection secret, rotate its password, or create it",
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.args, { ...dirOption, ...noWaitOption, reveal: { type: 'boolean' }, json: { type: 'boolean' } }, usage);
    const [action, stageName] = positionals;
    if (!action || !stageName || positionals.length > 2) throw new StagecraftError(`Expected an action and a stage.\nUsage: ${usage}`, { kind: 'usage' });
    const stack = await requireStack(path.resolve(ctx.cwd, values.dir ?? '.'), ctx.providers);
    const stage = findStage(stack, stageName);
    const provider = await ctx.providers.get(stage.provider, `Database of ${stage.name}`);
    const work = { signal: ctx.signal, log: ctx.out };
    if (action === 'rotate') {
      await underStageLock(ctx, stack.root, stage.name, `rotating the database password of ${stage.name}`, values['no-wait'], () => provider.rotateDatabasePassword(stack, stage, work));
      ctx.out(`Rotated the password of ${stage.name}'s database; the app runs with the new one.`);
      return 0;
    }
    if (action === 'create') {
      const secret = await underStageLock(ctx, stack.root, stage.name, `creating the database of ${stage.name}`, values['no-wait'], () => provider.ensureDatabase(stack, stage, work));
      ctx.out(`${stage.name}'s database is ready at ${secret.host}:${secret.port} (database ${secret.database}).`);
      if (stage.database !== 'postgres') ctx.out(`Add \`database: postgres\` to ${stage.name} in stagecraft.yaml so the app gets the PG_* variables at its next deploy.`);
      return 0;
    }
    if (action !== 'secret') throw new StagecraftError(`Unknown action "${action}".\nUsage: ${usage}`, { kind: 'usage' });
    const secret = await provider.databaseSecret(stack, stage, work);
    if (!secret) throw new StagecraftError(`Stage "${stage.name}" has no database yet.`, { kind: 'input', hint: `Create one with \`stagecraft db create ${stage.name}\`, or deploy a stage with database: postgres.` });
    const password = values.reveal ? secret.password : '********';
    if (values.json) {
      ctx.out(JSON.stringify({ host: secret.host, port: secret.port, dbname: secret.database, username: secret.username, password }, null, 2));
    } else {
      ctx.out(`host      ${secret.host}\nport      ${secret.port}\ndatabase  ${secret.database}\nuser      ${secret.username}\npassword  ${password}${values.reveal ? '' : '   (--reveal to show)'}`);
    }
    return 0;
  },
};
