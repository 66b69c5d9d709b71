import { routeForBranch, stageForBranch, type BranchRoute, type BranchTarget } from './branches';
import { personalStageName } from './personal/name';
import type { Stack, Stage, StageStatus } from './model';
import { findPendingApprovals, pendingApprovalAt, type PendingApproval } from './pipeline';
import type { ProviderLookup } from './providerModule';
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

export async function describeStack(stack: Stack, providers: ProviderLookup, repo?: { branch?: string; user: string; stageName?: string }): Promise<StackSummary> {
  const pending = findPendingApprovals(stack.root).catch(() => [] as PendingApproval[]);
  const stages = await Promise.all(stack.stages.map(async stage => ({ stage, status: withApproval(await stageStatus(stack, stage, providers), stage, await pending) })));
  const target = repo?.branch ? stageForBranch(stack, repo.branch, repo.user) : undefined;
  const route = repo?.branch ? routeForBranch(stack, repo.branch, { name: repo.user, personalName: personalStageName(stack.name, repo.user, repo.stageName) }) : undefined;
  return { stack, stages, branch: repo?.branch, target, route };
}

function withApproval(status: StageStatus, stage: Stage, pending: PendingApproval[]): StageStatus {
  const waiting = pendingApprovalAt(pending, stage.name);
  return waiting ? { ...status, kind: 'awaiting-approval', detail: `run ${waiting.runId} waits for approval` } : status;
}

/** What the stage's provider says of it; the recorded state when the provider is not available. */
export async function stageStatus(stack: Stack, stage: Stage, providers: ProviderLookup): Promise<StageStatus> {
  if (!providers.has(stage.provider)) return readStageState(stack.root, stage.name);
  try {
    return await (await providers.get(stage.provider, 'Status')).status(stack, stage);
  } catch (err) {
    return { kind: 'unknown', detail: `could not read the status: ${(err as Error).message}` };
  }
}
