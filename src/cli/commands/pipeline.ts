import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import { formatDuration, listRuns, type RunHandle, type RunRecord } from '../../core/pipeline';
import { planBranchRun } from '../../core/branchRun';
import { continueRelease, startRelease } from '../../core/release';
import { isValidBranchName } from '../../git/branchState';
import { readRepoFacts } from '../../git/repo';
import { dirOption, parseCommandArgs } from '../args';
import { requireStack, type CliCommand, type CliContext } from '../context';
import { printRunEvent } from '../../core/runFormat';

const runUsage = 'stagecraft pipeline run [--branch B] [--stage S]... [--force] [--auto-approve] [--no-wait] [--verbose] [--json] [--dir DIR]';
const deployUsage = 'stagecraft deploy [STAGE] [--force] [--auto-approve] [--no-wait] [--verbose] [--json] [--dir DIR]';

export const pipelineRunCommand: CliCommand = {
  path: ['pipeline', 'run'],
  usage: runUsage,
  summary: "Build the current commit once, check it, and promote it through the stages the branch deploys to",
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(
      ctx.args,
      { ...dirOption, branch: { type: 'string' }, stage: { type: 'string', multiple: true }, force: { type: 'boolean' }, 'auto-approve': { type: 'boolean' }, 'no-wait': { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' }, json: { type: 'boolean' } },
      runUsage,
    );
    if (positionals.length) throw new StagecraftError(`Unexpected argument "${positionals[0]}".\nUsage: ${runUsage}`, { kind: 'usage' });
    return release(ctx, values.dir, { stages: values.stage, branch: values.branch, force: values.force, autoApprove: values['auto-approve'], noWait: values['no-wait'], verbose: values.verbose, json: values.json });
  },
};

export const deployCommand: CliCommand = {
  path: ['deploy'],
  usage: deployUsage,
  summary: "Release the current commit to one stage, or without STAGE to the branch's stages (built once, checked, blue/green)",
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.args, { ...dirOption, force: { type: 'boolean' }, 'auto-approve': { type: 'boolean' }, 'no-wait': { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' }, json: { type: 'boolean' } }, deployUsage);
    if (positionals.length > 1) throw new StagecraftError(`Expected at most one stage name.\nUsage: ${deployUsage}`, { kind: 'usage' });
    // A deploy takes over the checks an earlier run recorded for the same artifact.
    return release(ctx, values.dir, { stages: positionals.length ? positionals : undefined, reuseChecks: true, force: values.force, autoApprove: values['auto-approve'], noWait: values['no-wait'], verbose: values.verbose, json: values.json });
  },
};

async function release(
  ctx: CliContext,
  dir: string | undefined,
  options: { stages?: string[]; branch?: string; reuseChecks?: boolean; force?: boolean; autoApprove?: boolean; noWait?: boolean; verbose?: boolean; json?: boolean },
): Promise<number> {
  const root = path.resolve(ctx.cwd, dir ?? '.');
  const stack = await requireStack(root, ctx.providers);
  const facts = await readRepoFacts(root);
  if (options.branch !== undefined && !(await isValidBranchName(root, options.branch))) {
    throw new StagecraftError(`--branch "${options.branch}" is not a branch name git accepts.`, { kind: 'usage', hint: 'Branch names have no spaces, "..", "~", "^", ":", "?", "*", "[" or "\\", and do not end with "/" or ".lock".' });
  }
  const branch = options.branch ?? facts.branch;
  // Where the run goes is decided (and said) before anything is built or deployed.
  const plan = await planBranchRun(stack, { ...facts, branch, stages: options.stages, force: options.force }, { signal: ctx.signal, providers: ctx.providers });
  const say = options.json ? ctx.err : ctx.out;
  if (plan.header) say(plan.header);
  for (const w of plan.warnings) ctx.err(`⚠ ${w}`);
  for (const e of plan.expired) say(e.destroyed ? `Destroyed personal stage ${e.name} (${e.owner}): ${e.why}.` : `Personal stage ${e.name} expired (${e.why}) but could not be destroyed: ${e.error}`);
  // What a provider can tell before any run starts (a Dockerfile the local provider cannot run): bad input, exit 2.
  const involved = new Set(plan.stack.stages.filter(s => plan.stages.includes(s.name)).map(s => s.provider));
  for (const name of involved) await ctx.providers.module(name)?.checkRun?.(plan.stack, facts.commit!);
  const handle = await startRelease(plan.stack, {
    providers: ctx.providers,
    commit: facts.commit!,
    branch,
    user: facts.user,
    stages: plan.stages,
    personal: plan.personal,
    reuseChecks: options.reuseChecks,
    autoApprove: options.autoApprove,
    noWait: options.noWait,
    signal: ctx.signal,
    onEvent: options.json ? undefined : event => printRunEvent(event, ctx.out, options.verbose ?? false),
  });
  return finish(ctx, handle, options);
}

/**
 * Local stages run the commit's Dockerfile in process mode: what it cannot run is a bad-input error
 * (exit 2) naming the line and column, before the run starts.
 */

async function finish(ctx: CliContext, handle: RunHandle, options: { verbose?: boolean; json?: boolean }): Promise<number> {
  const run: RunRecord = await handle.done;
  if (options.json) ctx.out(JSON.stringify(run, null, 2));
  else if (!options.verbose && run.status === 'failed') ctx.err(`The run's full log: ${path.join(handle.dir, 'run.log')}`);
  return run.status === 'succeeded' ? 0 : 1;
}

function continueCommand(how: 'resume' | 'rerun'): CliCommand {
  const usage = `stagecraft pipeline ${how} [RUN_ID] [--auto-approve] [--no-wait] [--verbose] [--json] [--dir DIR]`;
  return {
    path: ['pipeline', how],
    usage,
    summary: how === 'resume' ? 'Continue an interrupted or failed run from its pending step (latest run by default)' : 'Start the commit and stages of a run again as a new run',
    async run(ctx) {
      const { values, positionals } = parseCommandArgs(ctx.args, { ...dirOption, 'auto-approve': { type: 'boolean' }, 'no-wait': { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' }, json: { type: 'boolean' } }, usage);
      if (positionals.length > 1) throw new StagecraftError(`Expected at most one run id.\nUsage: ${usage}`, { kind: 'usage' });
      const root = path.resolve(ctx.cwd, values.dir ?? '.');
      const stack = await requireStack(root, ctx.providers);
      const { user } = await readRepoFacts(root);
      const handle = await continueRelease(stack, how, {
        providers: ctx.providers,
        runId: positionals[0],
        user,
        autoApprove: values['auto-approve'],
        noWait: values['no-wait'],
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
    await requireStack(root, ctx.providers);
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
