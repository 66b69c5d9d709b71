import { runExecutor } from '../../core/pipeline/sourceChecks';
import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import { findStage } from '../../core/release';
import { startRollback } from '../../core/rollback';
import { printRunEvent } from '../../core/runFormat';
import { readRepoFacts } from '../../git/repo';
import { dirOption, parseCommandArgs } from '../args';
import { requireStack, type CliCommand } from '../context';

const usage = 'stagecraft rollback STAGE [--to COMMIT|RUN] [--auto-approve] [--verbose] [--json] [--dir DIR]';

export const rollbackCommand: CliCommand = {
  path: ['rollback'],
  usage,
  summary: "Redeploy an earlier release's artifact to a stage (no rebuild) through its gates; the previous release by default",
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(
      ctx.args,
      { ...dirOption, to: { type: 'string' }, 'auto-approve': { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' }, json: { type: 'boolean' } },
      usage,
    );
    if (positionals.length !== 1) throw new StagecraftError(`Expected one stage name.\nUsage: ${usage}`, { kind: 'usage' });
    const root = path.resolve(ctx.cwd, values.dir ?? '.');
    const stack = await requireStack(root, ctx.providers);
    const stage = findStage(stack, positionals[0]);
    const provider = await ctx.providers.get(stage.provider, 'Roll Back Stage');
    const { user } = await readRepoFacts(root);
    const { release, warnings, handle } = await startRollback(stack, stage.name, {
      executor: runExecutor(stack, provider.pipelineExecutor(stack)),
      to: values.to,
      user,
      autoApprove: values['auto-approve'],
      signal: ctx.signal,
      onEvent: values.json ? undefined : event => printRunEvent(event, ctx.out, values.verbose ?? false),
    });
    if (!values.json) {
      ctx.out(`Rolling back ${stage.name} to ${release.commit.slice(0, 8)} (released by run ${release.runId}${release.artifact ? `, artifact ${release.artifact.slice(0, 12)}` : ''})`);
      for (const w of warnings) ctx.err(`⚠ ${w}`);
    }
    const run = await handle.done;
    if (values.json) ctx.out(JSON.stringify({ release, warnings, run }, null, 2));
    else if (run.status === 'failed') ctx.err(`The run's full log: ${path.join(handle.dir, 'run.log')}`);
    return run.status === 'succeeded' ? 0 : 1;
  },
};
