import { StagecraftError } from './errors';
import type { Stack, Stage } from './model';
import { startRun, type RunEvent, type RunHandle } from './pipeline';
import { requireProvider } from './providers';

export interface ReleaseOptions {
  commit: string;
  branch?: string;
  /** Who starts it (git user), recorded on the run and on auto-approvals. */
  user: string;
  /** Only these stages, in the stack's order; all when absent. */
  stages?: string[];
  autoApprove?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
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
  const provider = await requireProvider(providers[0] ?? 'local', 'Run Pipeline');
  return startRun({
    stack,
    executor: provider.pipelineExecutor(stack),
    commit: options.commit,
    branch: options.branch,
    stages: options.stages ? stages.map(s => s.name) : undefined,
    startedBy: options.user,
    autoApprove: options.autoApprove ? { by: options.user } : undefined,
    signal: options.signal,
    onEvent: options.onEvent,
  });
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
