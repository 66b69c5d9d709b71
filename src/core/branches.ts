import type { Stack, Stage } from './model';
import { slugifyStageName } from './naming';

/**
 * Which stage a branch deploys to. Explicit `branches:` patterns on a stage win; otherwise the
 * GitFlow defaults (develop → dev, release/* → qa, main/master → prod, feature/* → the
 * developer's own stage) or, in trunk mode, only main/master deploys (to the first stage).
 */
export interface BranchTarget {
  /** The stage name the branch maps to ("local" when it deploys nowhere). */
  stage: string;
  /** The stage itself when the stack defines it. */
  defined?: Stage;
  /** Why this mapping: the pattern or rule that matched. */
  reason: string;
}

export function stageForBranch(stack: Pick<Stack, 'stages' | 'branchModel'>, branch: string, userName: string): BranchTarget {
  for (const stage of stack.stages) {
    const pattern = stage.branches?.find(p => matchesBranch(p, branch));
    if (pattern) return { stage: stage.name, defined: stage, reason: `stage "${stage.name}" lists branch pattern "${pattern}"` };
  }
  const byName = (name: string) => stack.stages.find(s => s.name === name && s.branches === undefined);
  const target = (name: string, reason: string): BranchTarget => ({ stage: name, defined: byName(name), reason });

  if (stack.branchModel === 'trunk') {
    if (branch === 'main' || branch === 'master') {
      const first = stack.stages.find(s => s.branches === undefined);
      return first ? { stage: first.name, defined: first, reason: 'trunk mode: main deploys through the stages in order' } : target('local', 'trunk mode: no stage to deploy to');
    }
    return target('local', 'trunk mode: only main deploys');
  }
  if (branch === 'develop') return target('dev', 'GitFlow: develop → dev');
  if (branch.startsWith('release/')) return target('qa', 'GitFlow: release/* → qa');
  if (branch === 'main' || branch === 'master') return target('prod', `GitFlow: ${branch} → prod`);
  if (branch.startsWith('feature/')) return target(slugifyStageName(userName), 'GitFlow: feature/* → the developer\'s own stage');
  return target('local', 'GitFlow: other branches work on this computer only');
}

/** Glob match for branch names: `*` stays within one path segment, `**` crosses them. */
export function matchesBranch(pattern: string, branch: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else {
      re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`).test(branch);
}
