import { StagecraftError } from './errors';
import type { Stack, Stage } from './model';
import { approve, findPendingApproval, latestRun, readRun, reject, rerun, resumeRun, startRun, type RunEvent, type RunHandle } from './pipeline';
import { reuseRecordedChecks } from './pipeline/reusedChecks';
import { runExecutor } from './pipeline/sourceChecks';
import type { DeployPrompts } from './provider';
import type { ProviderLookup } from './providerModule';
import { recordPersonalDeploy } from './branchRun';
import { gitBranchFacts } from './personal/expire';

export interface ReleaseOptions {
  providers: ProviderLookup;
  commit: string;
  branch?: string;
  /** Who starts it (git user), recorded on the run and on auto-approvals. */
  user: string;
  /** Only these stages, in the stack's order; all when absent. */
  stages?: string[];
  autoApprove?: boolean;
  /** Fail at once when another process is changing a stage of the run, instead of waiting for it. */
  noWait?: boolean;
  /** The personal stage this run deploys (from planBranchRun): renewed when the run deployed it. */
  personal?: string;
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  /** What deploys may ask (Review changes); none from the CLI, which goes ahead. */
  prompts?: DeployPrompts;
  /**
   * Take over the recorded checks (tests, secret scan, lint, SBOM, audit) of an artifact an
   * earlier run of the commit built and checked, instead of running them again (Deploy Stage).
   */
  reuseChecks?: boolean;
}

/**
 * Starts a pipeline run of `stack`: the one entry point the CLI and the extension share. The
 * stages of one run must share a provider, since one executor builds and promotes the artifact.
 */
export async function startRelease(stack: Stack, options: ReleaseOptions): Promise<RunHandle> {
  const stages = selectStages(stack, options.stages);
  const providers = [...new Set(stages.map(s => s.provider))];
  if (providers.length > 1) {
    throw new StagecraftError(`One run promotes one artifact through one provider, but these stages mix ${providers.join(' and ')}.`, {
      kind: 'input',
      hint: `Run the ${providers[0]} stages and the others separately, e.g. \`stagecraft pipeline run --stage ${stages[0].name}\`.`,
    });
  }
  const provider = await options.providers.get(providers[0], 'Run Pipeline');
  const executor = runExecutor(stack, provider.pipelineExecutor(stack, options.prompts));
  const handle = startRun({
    stack,
    executor: options.reuseChecks ? reuseRecordedChecks(stack.root, executor) : executor,
    commit: options.commit,
    branch: options.branch,
    stages: options.stages ? stages.map(s => s.name) : undefined,
    startedBy: options.user,
    autoApprove: options.autoApprove ? { by: options.user } : undefined,
    noWait: options.noWait,
    signal: options.signal,
    onEvent: options.onEvent,
  });
  const personal = options.personal;
  if (!personal) return handle;
  const git = gitBranchFacts(stack.root);
  return { ...handle, done: handle.done.then(async run => (await recordPersonalDeploy(stack.root, personal, run, { isIntegrated: git.isIntegrated }), run)) };
}

export function selectStages(stack: Stack, names?: string[]): Stage[] {
  if (!names || names.length === 0) {
    if (stack.stages.length === 0) throw new StagecraftError(`Stack "${stack.name}" has no stages to release to.`, { kind: 'input', hint: 'Add one with `stagecraft stage add NAME`.' });
    return stack.stages;
  }
  return names.map(name => {
    const stage = stack.stages.find(s => s.name === name);
    if (!stage) throw new StagecraftError(`Stack "${stack.name}" has no stage named "${name}" (it has: ${stack.stages.map(s => s.name).join(', ')}).`, { kind: 'input' });
    return stage;
  });
}

export function findStage(stack: Stack, name: string): Stage {
  return selectStages(stack, [name])[0];
}

export interface ContinueOptions {
  providers: ProviderLookup;
  /** The run to continue; the latest run of the stack when absent. */
  runId?: string;
  user: string;
  autoApprove?: boolean;
  /** Fail at once when another process is changing a stage of the run, instead of waiting for it. */
  noWait?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  prompts?: DeployPrompts;
}

/**
 * Continues a run cut off by a crash or a window reload from its pending step (`resume`), or
 * starts the same commit and stages again as a new run (`rerun`).
 */
export async function continueRelease(stack: Stack, how: 'resume' | 'rerun', options: ContinueOptions): Promise<RunHandle> {
  const run = options.runId ? await readRun(stack.root, options.runId) : await latestRun(stack.root);
  if (!run) throw new StagecraftError(`Stack "${stack.name}" has no runs yet.`, { kind: 'input', hint: 'Start one with Run Pipeline (`stagecraft pipeline run`).' });
  const stages = selectStages(stack, run.stages);
  const provider = await options.providers.get(stages[0].provider, how === 'resume' ? 'Resume Run' : 'Re-run');
  const common = {
    stack,
    executor: runExecutor(stack, provider.pipelineExecutor(stack, options.prompts)),
    autoApprove: options.autoApprove ? { by: options.user } : undefined,
    noWait: options.noWait,
    signal: options.signal,
    onEvent: options.onEvent,
  };
  if (how === 'rerun') return rerun(stack.root, run.id, { ...common, startedBy: options.user });
  if (run.status !== 'interrupted' && run.status !== 'failed' && run.status !== 'cancelled') {
    throw new StagecraftError(`Run ${run.id} is ${run.status}; only an interrupted, failed or cancelled run can be resumed.`, { kind: 'input', hint: 'Re-run it to start the same commit again.' });
  }
  return resumeRun(stack.root, run.id, common);
}

export interface ApprovalOutcome {
  stage: string;
  decision: 'approved' | 'rejected';
  by: string;
  comment?: string;
  /** The digest of the evidence the decision was made on (a Stagecraft run's gate records it). */
  evidenceDigest?: string;
  /** Where the decision went: a Stagecraft run, or the provider's own pipeline (CodePipeline). */
  where: 'run' | 'provider';
}

/**
 * Approves or rejects the promotion waiting at a stage: a Stagecraft run waiting there (from any
 * process) first, else an approval waiting in the provider's own pipeline.
 */
export async function decideStageApproval(
  stack: Stack,
  stageName: string,
  decision: 'approve' | 'reject',
  input: { by: string; comment?: string; runId?: string; evidenceDigest?: string; providers: ProviderLookup },
  signal?: AbortSignal,
): Promise<ApprovalOutcome> {
  const stage = findStage(stack, stageName);
  const pending = input.runId ? undefined : await findPendingApproval(stack.root, stage.name);
  if (input.runId || pending) {
    const decide = decision === 'approve' ? approve : reject;
    const d = await decide(stack.root, { stage: stage.name, runId: input.runId ?? pending?.runId }, { by: input.by, comment: input.comment, evidenceDigest: input.evidenceDigest });
    return { stage: d.stage, decision: d.decision, by: d.by, comment: d.comment, evidenceDigest: d.evidenceDigest, where: 'run' };
  }
  const provider = await input.providers.get(stage.provider, `${decision === 'approve' ? 'Approve' : 'Reject'} Promotion (${stage.name})`);
  if (provider.decideApproval && (await provider.decideApproval(stack, stage, decision, { by: input.by, comment: input.comment }, { signal }))) {
    return { stage: stage.name, decision: decision === 'approve' ? 'approved' : 'rejected', by: input.by, comment: input.comment, where: 'provider' };
  }
  throw new StagecraftError(`No promotion to ${stage.name} is waiting for approval.`, { kind: 'input', hint: 'A run stops before stages that have requireApproval: true.' });
}
