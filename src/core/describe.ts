import { routeForBranch, stageForBranch, type BranchRoute, type BranchTarget } from './branches';
import { personalStageName } from './personal/name';
import type { Stack, Stage, StageStatus } from './model';
import { hasProvider, requireProvider } from './providers';
import { readStageState } from './stageState';

export interface StageSummary {
  stage: Stage;
  status: StageStatus;
}

export interface StackSummary {
  stack: Stack;
  stages: StageSummary[];
  branch?: string;
  /** Where the current branch deploys, when the repository has a branch. */
  target?: BranchTarget;
  /** Every stage a run from the branch goes to, in order ("this branch deploys to …"). */
  route?: BranchRoute;
}

/** The stack with each stage's last recorded state: what `status` and the tree show. */
export async function describeStack(stack: Stack, repo?: { branch?: string; user: string; stageName?: string }): Promise<StackSummary> {
  const stages = await Promise.all(stack.stages.map(async stage => ({ stage, status: await stageStatus(stack, stage) })));
  const target = repo?.branch ? stageForBranch(stack, repo.branch, repo.user) : undefined;
  const route = repo?.branch ? routeForBranch(stack, repo.branch, { name: repo.user, personalName: personalStageName(stack.name, repo.user, repo.stageName) }) : undefined;
  return { stack, stages, branch: repo?.branch, target, route };
}

/** What the stage's provider says of it; the recorded state when the provider is not available. */
export async function stageStatus(stack: Stack, stage: Stage): Promise<StageStatus> {
  if (!hasProvider(stage.provider)) return readStageState(stack.root, stage.name);
  try {
    return await (await requireProvider(stage.provider, 'Status')).status(stack, stage);
  } catch (err) {
    return { kind: 'unknown', detail: `could not read the status: ${(err as Error).message}` };
  }
}
