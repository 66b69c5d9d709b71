import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import type { RunRecord } from '../../core/pipeline';
import { startRelease } from '../../core/release';
import { readRepoFacts } from '../../git/repo';
import { dirOption, parseCommandArgs } from '../args';
import { requireStack, type CliCommand, type CliContext } from '../context';
import { printRunEvent } from '../../core/runFormat';

const runUsage = 'stagecraft pipeline run [--branch B] [--stage S]... [--auto-approve] [--verbose] [--json] [--dir DIR]';
const deployUsage = 'stagecraft deploy STAGE [--auto-approve] [--verbose] [--json] [--dir DIR]';

export const pipelineRunCommand: CliCommand = {
  path: ['pipeline', 'run'],
  usage: runUsage,
  summary: 'Build the current commit once, check it, and promote it through the stages',
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(
      ctx.args,
      { ...dirOption, branch: { type: 'string' }, stage: { type: 'string', multiple: true }, 'auto-approve': { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' }, json: { type: 'boolean' } },
      runUsage,
    );
    if (positionals.length) throw new StagecraftError(`Unexpected argument "${positionals[0]}".\nUsage: ${runUsage}`, { kind: 'usage' });
    return release(ctx, values.dir, { stages: values.stage, branch: values.branch, autoApprove: values['auto-approve'], verbose: values.verbose, json: values.json });
  },
};

export const deployCommand: CliCommand = {
  path: ['deploy'],
  usage: deployUsage,
  summary: 'Release the current commit to one stage (built once, checked, blue/green)',
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.args, { ...dirOption, 'auto-approve': { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' }, json: { type: 'boolean' } }, deployUsage);
    if (positionals.length !== 1) throw new StagecraftError(`Expected one stage name.\nUsage: ${deployUsage}`, { kind: 'usage' });
    return release(ctx, values.dir, { stages: positionals, autoApprove: values['auto-approve'], verbose: values.verbose, json: values.json });
  },
};

async function release(
  ctx: CliContext,
  dir: string | undefined,
  options: { stages?: string[]; branch?: string; autoApprove?: boolean; verbose?: boolean; json?: boolean },
): Promise<number> {
  const root = path.resolve(ctx.cwd, dir ?? '.');
  const stack = await requireStack(root);
  const facts = await readRepoFacts(root);
  if (!facts.commit) throw new StagecraftError(`${root} has no commit to release.`, { kind: 'input', hint: 'Commit your service first: the pipeline builds commits, not the working tree.' });
  const handle = await startRelease(stack, {
    commit: facts.commit,
    branch: options.branch ?? facts.branch,
    user: facts.user,
    stages: options.stages,
    autoApprove: options.autoApprove,
    signal: ctx.signal,
    onEvent: options.json ? undefined : event => printRunEvent(event, ctx.out, options.verbose ?? false),
  });
  const run: RunRecord = await handle.done;
  if (options.json) ctx.out(JSON.stringify(run, null, 2));
  else if (!options.verbose && run.status === 'failed') ctx.err(`The run's full log: ${path.join(handle.dir, 'run.log')}`);
  return run.status === 'succeeded' ? 0 : 1;
}
