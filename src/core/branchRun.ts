import type { ProviderLookup } from './providerModule';
import { branchTable, routeForBranch, type BranchRoute, type BranchUser } from './branches';
import { StagecraftError } from './errors';
import type { Stack } from './model';
import type { RunRecord } from './pipeline';
import { expirePersonalStages, type BranchFacts, type ExpireReport } from './personal/expire';
import { personalStageName } from './personal/name';
import { readPersonalRecord, writePersonalRecord } from './personal/registry';
import { personalProvider, withPersonalStages, type PersonalOptions } from './personal/stage';

/** What the caller knows of the repository at the moment of the run. */
export interface BranchRunInput {
  /** Undefined on a detached HEAD (unless --branch says which). */
  branch?: string;
  commit?: string;
  user: string;
  userId: string;
  /** `git config stagecraft.stage`. */
  stageName?: string;
  /** Explicit `--stage`s: they win over the mapping, with a warning when they cross it. */
  stages?: string[];
  /** The user confirmed a deploy to a protected stage the branch does not map to. */
  force?: boolean;
}

export interface BranchRunPlan {
  /** The stack with the personal stage of this run merged in. */
  stack: Stack;
  stages: string[];
  route?: BranchRoute;
  /** "Branch feature/alice deploys to: alice (GitFlow: …)" — said before anything starts. */
  header?: string;
  warnings: string[];
  /** The personal stage this run deploys, to be renewed when the run deployed it. */
  personal?: string;
  expired: ExpireReport['expired'];
}

export function branchUser(stack: Stack, input: Pick<BranchRunInput, 'user' | 'stageName'>): BranchUser {
  return { name: input.user, personalName: personalStageName(stack.name, input.user, input.stageName) };
}

/** "Branch develop deploys to: dev (GitFlow: develop → dev)". */
export function routeHeader(route: BranchRoute): string {
  if (!route.stages.length) return `Branch ${route.branch} deploys to nothing (${route.problem ?? route.reason})`;
  return `Branch ${route.branch} deploys to: ${route.stages.join(' → ')} (${route.reason})`;
}

/**
 * Decides where a run goes before anything deploys: the branch's stages (creating the
 * developer's own stage on feature/*), or the explicit ones; and destroys personal stages that
 * expired. Throws an input error (exit 2) for a detached HEAD, an unborn branch, a branch that
 * maps to nothing (with the table), a name taken by another developer, or a protected stage
 * outside the mapping without `force`.
 */
export async function planBranchRun(stack: Stack, input: BranchRunInput, options: PersonalOptions & { now?: Date; git?: BranchFacts; log?: (line: string) => void; signal?: AbortSignal; providers?: ProviderLookup } = {}): Promise<BranchRunPlan> {
  if (!input.commit) {
    throw new StagecraftError(input.branch ? `Branch ${input.branch} has no commit yet: there is nothing to build.` : 'The repository has no commit to release.', {
      kind: 'input',
      hint: 'Commit your service first (`git commit`): the pipeline builds commits, not the working tree.',
    });
  }
  const user = branchUser(stack, input);
  const route = input.branch ? routeForBranch(stack, input.branch, user) : undefined;
  const warnings: string[] = [];
  let stages: string[];
  let personal: string | undefined;

  if (input.stages?.length) {
    stages = input.stages;
    const mine = user.personalName?.name;
    for (const name of stages) {
      if (name === mine && !stack.stages.some(s => s.name === name)) personal = name;
      else if (!stack.stages.some(s => s.name === name)) {
        throw new StagecraftError(`Stack "${stack.name}" has no stage named "${name}" (it has: ${stack.stages.map(s => s.name).join(', ') || 'none'}).`, { kind: 'input' });
      }
      if (route && route.stages.includes(name)) continue;
      const where = route ? `branch ${route.branch} deploys to ${route.stages.length ? route.stages.join(', ') : 'nothing'}` : 'HEAD is detached';
      const stage = stack.stages.find(s => s.name === name);
      if (stage?.protected && !input.force) {
        throw new StagecraftError(`--stage ${name} crosses the branch mapping (${where}), and ${name} is protected.`, {
          kind: 'input',
          hint: `If this commit really belongs on ${name}, add --force (in VS Code: confirm the dialog).`,
        });
      }
      warnings.push(`--stage ${name} crosses the branch mapping: ${where}.`);
    }
  } else {
    if (!route) {
      throw new StagecraftError('HEAD is detached: no branch says where this run goes.', {
        kind: 'input',
        hint: 'Check out a branch (`git switch develop`), or say it: `stagecraft pipeline run --branch NAME` (CI) or `--stage NAME`.',
      });
    }
    if (route.problem) throw new StagecraftError(`Branch ${route.branch} deploys to your own stage, but ${route.problem}.`, { kind: 'input', hint: route.hint });
    if (!route.stages.length) {
      throw new StagecraftError(`Branch ${route.branch} deploys to no stage: ${route.reason}. Nothing was deployed.\nThe branches of stack ${stack.name}:\n${branchTable(stack, user).join('\n')}`, {
        kind: 'input',
        hint: 'Switch to a mapped branch, list this branch in a stage\'s `branches:` in stagecraft.yaml, or name the stage: `--stage NAME`.',
      });
    }
    stages = route.stages;
    personal = route.personal?.name;
  }

  if (personal) await claimPersonalStage(stack, personal, input, options.now ?? new Date());
  const expired = (await expirePersonalStages(stack, { ...options, keep: personal ? [personal] : [] })).expired;
  const merged = await withPersonalStages(stack, options);
  return { stack: merged, stages, route, header: route ? routeHeader(route) : undefined, warnings, personal, expired };
}

/** Creates (or takes over for a new branch) the developer's record; refuses one owned by somebody else. */
async function claimPersonalStage(stack: Stack, name: string, input: BranchRunInput, now: Date): Promise<void> {
  const existing = await readPersonalRecord(stack.root, name);
  if (existing && existing.ownerId !== input.userId) {
    throw new StagecraftError(`The personal stage "${name}" belongs to ${existing.owner} <${existing.ownerId}>; your git user ${input.user} <${input.userId}> makes the same name.`, {
      kind: 'input',
      hint: `Give your own stage another name: \`git config stagecraft.stage ${name}-2\` (any name of letters, digits and hyphens).`,
    });
  }
  const branch = input.branch ?? existing?.branch ?? '(detached)';
  await writePersonalRecord(stack.root, existing
    ? { ...existing, branch }
    : { version: 1, name, owner: input.user, ownerId: input.userId, branch, provider: personalProvider(stack), createdAt: now.toISOString() });
}

/**
 * After a run: a personal stage it deployed lives another TTL from now, and remembers its commit
 * (and whether that commit was already merged) so a later merge of its branch can be told.
 */
export async function recordPersonalDeploy(root: string, name: string, run: RunRecord, options: { now?: Date; isIntegrated: (commit: string) => Promise<boolean> }): Promise<void> {
  const deployed = run.stageRecords[name];
  if (!deployed || deployed.status !== 'serving' || !deployed.commit) return;
  const record = await readPersonalRecord(root, name);
  if (!record) return;
  const integrated = await options.isIntegrated(deployed.commit);
  await writePersonalRecord(root, {
    ...record,
    lastDeployAt: (options.now ?? new Date()).toISOString(),
    lastCommit: deployed.commit,
    integratedAtDeploy: integrated,
  });
}
