import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import { parseSince, renderLine, stageLogs } from '../../core/logs';
import { dirOption, parseCommandArgs } from '../args';
import { requireStack, type CliCommand } from '../context';

const usage = 'stagecraft logs STAGE [--follow|-f] [--access] [--since 10m] [--filter PATTERN] [--dir DIR]';

/**
 * Prints a stage's application log (or, with --access, its HTTP access log) through its provider:
 * local log files or CloudWatch Logs. Colours when stdout is a terminal (NO_COLOR turns them off,
 * FORCE_COLOR on). --filter takes CloudWatch filter syntax on every provider. The provider puts
 * the stage's deployment markers (deploy started, traffic switched, rolled back, approved) between
 * the lines, tags each line with the version that wrote it, and sums up error rates after a switch.
 */
export const logsCommand: CliCommand = {
  path: ['logs'],
  usage,
  summary: 'Print (or follow) the application or access log of a stage',
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(
      ctx.args,
      {
        ...dirOption,
        follow: { type: 'boolean', short: 'f' },
        access: { type: 'boolean' },
        since: { type: 'string' },
        filter: { type: 'string' },
      },
      usage,
    );
    if (positionals.length !== 1) throw new StagecraftError(`Expected one stage name.\nUsage: ${usage}`, { kind: 'usage' });
    const sinceText = values.since ?? '10m';
    const sinceMs = parseSince(sinceText);
    const root = path.resolve(ctx.cwd, values.dir ?? '.');
    const stack = await requireStack(root, ctx.providers);
    const stage = stack.stages.find(s => s.name === positionals[0]);
    if (!stage) {
      throw new StagecraftError(`Stack ${stack.name} has no stage "${positionals[0]}".`, {
        kind: 'input',
        hint: `Its stages: ${stack.stages.map(s => s.name).join(', ') || '(none yet: `stagecraft stage add NAME`)'}.`,
      });
    }
    const kind = values.access ? 'access' : 'app';
    const follow = values.follow ?? false;
    const provider = await ctx.providers.get(stage.provider, `Logs of stage ${stage.name}`);
    const colour = useColour();
    const what = kind === 'access' ? 'access log' : 'application log';
    if (follow) ctx.err(`Following the ${what} of ${stage.name} from ${sinceText} ago${values.filter ? `, filter ${values.filter}` : ''} (Ctrl+C to stop).`);
    let count = 0;
    for await (const line of stageLogs(provider, stack, stage, { kind, follow, sinceMs, filter: values.filter }, { signal: ctx.signal, log: note => ctx.err(note) })) {
      ctx.out(renderLine(line, { kind, colour }));
      if (!line.marker) count++;
    }
    if (count === 0 && !follow && !ctx.signal.aborted) ctx.err(`No lines in the ${what} of ${stage.name} from the last ${sinceText}${values.filter ? ` matching ${values.filter}` : ''}.`);
    return 0;
  },
};

function useColour(): boolean {
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return process.stdout.isTTY === true;
}
