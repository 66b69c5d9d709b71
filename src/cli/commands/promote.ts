import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import { runExecutor } from '../../core/pipeline/sourceChecks';
import { startPromotion } from '../../core/promote';
import { findStage } from '../../core/release';
import { printRunEvent } from '../../core/runFormat';
import { readRepoFacts } from '../../git/repo';
import { dirOption, parseCommandArgs } from '../args';
import { requireStack, type CliCommand } from '../context';

const usage = 'stagecraft promote COMMIT|RUN --to STAGE [--auto-approve] [--verbose] [--json] [--dir DIR]';

export const promoteCommand: CliCommand = {
  path: ['promote'],
  usage,
  summary: "Deploy a recorded release's artifact to a later stage it has not reached (no rebuild) through that stage's gates",
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(
      ctx.args,
      { ...dirOption, to: { type: 'string' }, 'auto-approve': { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' }, json: { type: 'boolean' } },
      usage,
    );
    if (positionals.length !== 1) throw new StagecraftError(`Expected one commit or run id.\nUsage: ${usage}`, { kind: 'usage' });
    if (!values.to) throw new StagecraftError(`Say which stage with --to STAGE.\nUsage: ${usage}`, { kind: 'usage' });
    const root = path.resolve(ctx.cwd, values.dir ?? '.');
    const stack = await requireStack(root, ctx.providers);
    const stage = findStage(stack, values.to);
    const provider = await ctx.providers.get(stage.provider, 'Promote This Release');
    const { user } = await readRepoFacts(root);
    const { release, warnings, handle } = await startPromotion(stack, positionals[0], stage.name, {
      executor: runExecutor(stack, provider.pipelineExecutor(stack)),
      user,
      autoApprove: values['auto-approve'],
      signal: ctx.signal,
      onEvent: values.json ? undefined : event => printRunEvent(event, ctx.out, values.verbose ?? false),
    });
    if (!values.json) {
      ctx.out(`Promoting ${release.commit.slice(0, 8)} to ${stage.name} (artifact of run ${release.runId}${release.artifact ? `, ${release.artifact.slice(0, 12)}` : ''}; it reached ${release.reached.join(', ') || 'no stage yet'})`);
      for (const w of warnings) ctx.err(`⚠ ${w}`);
    }
    const run = await handle.done;
    if (values.json) ctx.out(JSON.stringify({ release, warnings, run }, null, 2));
    else if (run.status === 'failed') ctx.err(`The run's full log: ${path.join(handle.dir, 'run.log')}`);
    return run.status === 'succeeded' ? 0 : 1;
  },
};
