import { stageForBranch, type BranchTarget } from './branches';
import type { Stack, Stage, StageStatus } from './model';
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
}

/** The stack with each stage's last recorded state: what `status` and the tree show. */
export async function describeStack(stack: Stack, repo?: { branch?: string; user: string }): Promise<StackSummary> {
  const stages = await Promise.all(stack.stages.map(async stage => ({ stage, status: await readStageState(stack.root, stage.name) })));
  const target = repo?.branch ? stageForBranch(stack, repo.branch, repo.user) : undefined;
  return { stack, stages, branch: repo?.branch, target };
}
