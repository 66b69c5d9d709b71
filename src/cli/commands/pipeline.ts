import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import { formatDuration, listRuns, type RunHandle, type RunRecord } from '../../core/pipeline';
import { continueRelease, startRelease } from '../../core/release';
import { readRepoFacts } from '../../git/repo';
import { runProcess } from '../../core/exec';
import type { Stack } from '../../core/model';
import { analyseDockerfile } from '../../core/processMode';
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
  await refuseUnrunnableDockerfile(root, stack, facts.commit, options.stages);
  const handle = await startRelease(stack, {
    commit: facts.commit,
    branch: options.branch ?? facts.branch,
    user: facts.user,
    stages: options.stages,
    autoApprove: options.autoApprove,
    signal: ctx.signal,
    onEvent: options.json ? undefined : event => printRunEvent(event, ctx.out, options.verbose ?? false),
  });
  return finish(ctx, handle, options);
}

/**
 * Local stages run the commit's Dockerfile in process mode: what it cannot run is a bad-input error
 * (exit 2) naming the line and column, before the run starts.
 */
async function refuseUnrunnableDockerfile(root: string, stack: Stack, commit: string, stages: string[] | undefined): Promise<void> {
  const local = stack.stages.some(s => s.provider === 'local' && (!stages || stages.includes(s.name)));
  if (!local) return;
  const shown = await runProcess('git', ['show', `${commit}:${stack.service.dockerfile.replace(/^\.\//, '')}`], { cwd: root, keepOutput: 1_000_000, captureStdout: true });
  if (shown.code !== 0 || shown.stdout === undefined) return; // The build says the Dockerfile is missing.
  const refusals = analyseDockerfile(shown.stdout).findings.filter(f => f.action === 'refuse');
  if (refusals.length === 0) return;
  const lines = refusals.map(f => `${stack.service.dockerfile}:${f.line}:${f.column}: ${f.reason}`).join('\n');
  throw new StagecraftError(`Process mode (local stages) cannot run ${stack.service.dockerfile} at ${commit.slice(0, 8)}:\n${lines}`, { kind: 'input', hint: refusals[0].fix });
}

async function finish(ctx: CliContext, handle: RunHandle, options: { verbose?: boolean; json?: boolean }): Promise<number> {
  const run: RunRecord = await handle.done;
  if (options.json) ctx.out(JSON.stringify(run, null, 2));
  else if (!options.verbose && run.status === 'failed') ctx.err(`The run's full log: ${path.join(handle.dir, 'run.log')}`);
  return run.status === 'succeeded' ? 0 : 1;
}

function continueCommand(how: 'resume' | 'rerun'): CliCommand {
  const usage = `stagecraft pipeline ${how} [RUN_ID] [--auto-approve] [--verbose] [--json] [--dir DIR]`;
  return {
    path: ['pipeline', how],
    usage,
    summary: how === 'resume' ? 'Continue an interrupted or failed run from its pending step (latest run by default)' : 'Start the commit and stages of a run again as a new run',
    async run(ctx) {
      const { values, positionals } = parseCommandArgs(ctx.args, { ...dirOption, 'auto-approve': { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' }, json: { type: 'boolean' } }, usage);
      if (positionals.length > 1) throw new StagecraftError(`Expected at most one run id.\nUsage: ${usage}`, { kind: 'usage' });
      const root = path.resolve(ctx.cwd, values.dir ?? '.');
      const stack = await requireStack(root);
      const { user } = await readRepoFacts(root);
      const handle = await continueRelease(stack, how, {
        runId: positionals[0],
        user,
        autoApprove: values['auto-approve'],
        signal: ctx.signal,
        onEvent: values.json ? undefined : event => printRunEvent(event, ctx.out, values.verbose ?? false),
      });
      return finish(ctx, handle, values);
    },
  };
}

export const pipelineResumeCommand = continueCommand('resume');
export const pipelineRerunCommand = continueCommand('rerun');

const listUsage = 'stagecraft pipeline list [--limit N] [--json] [--dir DIR]';
export const pipelineListCommand: CliCommand = {
  path: ['pipeline', 'list'],
  usage: listUsage,
  summary: 'List recent runs (newest first) with their outcome; interrupted runs say so',
  async run(ctx) {
    const { values } = parseCommandArgs(ctx.args, { ...dirOption, limit: { type: 'string', default: '20' }, json: { type: 'boolean' } }, listUsage);
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new StagecraftError('--limit must be a positive whole number.', { kind: 'usage' });
    const root = path.resolve(ctx.cwd, values.dir ?? '.');
    await requireStack(root);
    const runs = await listRuns(root, { limit });
    if (values.json) {
      ctx.out(JSON.stringify(runs.map(r => ({ id: r.id, status: r.status, commit: r.commit, branch: r.branch ?? null, stages: r.stages, createdAt: r.createdAt, durationMs: r.durationMs ?? null, outcome: r.outcome ?? null })), null, 2));
      return 0;
    }
    if (runs.length === 0) ctx.out('No runs yet: `stagecraft pipeline run` starts one.');
    for (const r of runs) {
      ctx.out(`${r.id}  ${r.status.padEnd(17)} ${r.commit.slice(0, 8)}  ${r.stages.join('→')}${r.durationMs !== undefined ? `  ${formatDuration(r.durationMs)}` : ''}`);
    }
    return 0;
  },
};
