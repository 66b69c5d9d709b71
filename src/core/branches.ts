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

/** Where a run from a branch goes: the stages it touches, in promotion order. */
export interface BranchRoute {
  branch: string;
  /** Stage names in promotion order; empty when the branch deploys nowhere. */
  stages: string[];
  /** Why: the rule or pattern that decided. */
  reason: string;
  /** Set when the route is the developer's own stage (feature/*). */
  personal?: { name: string };
  /** Why the branch cannot deploy (a bad user name, a name taken), with the fix. */
  problem?: string;
  hint?: string;
}

export interface BranchUser {
  /** git user.name (else e-mail). */
  name: string;
  /** The personal stage name already decided (see personal/name.ts), or why there is none. */
  personalName?: { name?: string; problem?: string; hint?: string };
}

/**
 * The stages a branch deploys to. Stages whose `branches:` patterns match win (all of them, in
 * order). Otherwise GitFlow: develop → dev; release/* and hotfix/* → qa, then prod after its
 * approval; main/master → prod; feature/* → the developer's own stage. Trunk: main/master →
 * every stage in order. A route whose first stage the stack lacks deploys nowhere.
 */
export function routeForBranch(stack: Pick<Stack, 'stages' | 'branchModel' | 'personal'>, branch: string, user: BranchUser): BranchRoute {
  const shared = stack.stages.filter(s => !s.personal);
  const matched = shared.filter(s => s.branches?.some(p => matchesBranch(p, branch)));
  if (matched.length) {
    return { branch, stages: matched.map(s => s.name), reason: `${matched.map(s => `"${s.name}"`).join(', ')} list${matched.length === 1 ? 's' : ''} a pattern matching ${branch}` };
  }
  const plain = shared.filter(s => s.branches === undefined);
  const has = (name: string) => plain.some(s => s.name === name);
  const route = (names: string[], reason: string): BranchRoute => {
    if (!has(names[0])) return { branch, stages: [], reason: `${reason}, but the stack has no stage "${names[0]}"` };
    return { branch, stages: names.filter(has), reason };
  };
  if (stack.branchModel === 'trunk') {
    if (branch === 'main' || branch === 'master') {
      return plain.length ? { branch, stages: plain.map(s => s.name), reason: 'trunk: main deploys through the stages in order' } : { branch, stages: [], reason: 'trunk: no stage to deploy to' };
    }
    return { branch, stages: [], reason: 'trunk: only main deploys' };
  }
  if (branch === 'develop') return route(['dev'], 'GitFlow: develop → dev');
  if (branch.startsWith('release/')) return route(['qa', 'prod'], 'GitFlow: release/* → qa, then prod after approval');
  if (branch.startsWith('hotfix/')) return route(['qa', 'prod'], 'GitFlow: hotfix/* → qa, then prod after approval');
  if (branch === 'main' || branch === 'master') return route(['prod'], `GitFlow: ${branch} → prod`);
  if (branch.startsWith('feature/')) {
    const reason = "GitFlow: feature/* → the developer's own stage";
    if (stack.personal?.enabled === false) return { branch, stages: [], reason: `${reason}, but personal stages are off (personal.enabled: false)` };
    const personal = user.personalName;
    if (!personal?.name) return { branch, stages: [], reason, problem: personal?.problem ?? 'no personal stage name', hint: personal?.hint };
    const taken = shared.find(s => s.name === personal.name);
    if (taken && (taken.protected || taken.requireApproval || GITFLOW_STAGES.has(taken.name))) {
      return {
        branch,
        stages: [],
        reason,
        problem: `your personal stage would be named "${personal.name}", which is the shared stage "${taken.name}" of stagecraft.yaml`,
        hint: 'Choose another name for your own stage: `git config stagecraft.stage NAME`.',
      };
    }
    // A stage of that name in the file is the developer's, committed by the team: no expiry.
    if (taken) return { branch, stages: [taken.name], reason: `${reason} (stage "${taken.name}" of stagecraft.yaml)` };
    return { branch, stages: [personal.name], reason, personal: { name: personal.name } };
  }
  return { branch, stages: [], reason: 'GitFlow: only develop, release/*, hotfix/*, main/master and feature/* deploy' };
}

/** The stages GitFlow sends shared branches to: never anybody's personal stage. */
const GITFLOW_STAGES = new Set(['dev', 'qa', 'prod', 'test', 'staging']);

/** The mapping table printed when a branch deploys nowhere: each rule and where it goes in this stack. */
export function branchTable(stack: Pick<Stack, 'stages' | 'branchModel' | 'personal'>, user: BranchUser): string[] {
  const rows: [string, string][] = [];
  for (const s of stack.stages.filter(st => !st.personal && st.branches)) rows.push([s.branches!.join(', '), s.name]);
  const show = (b: string) => {
    const r = routeForBranch(stack, b, user);
    return r.stages.length ? r.stages.join(' → ') : `(nothing: ${r.problem ?? r.reason.replace(/^.*, but /, '')})`;
  };
  if (stack.branchModel === 'trunk') {
    rows.push(['main, master', show('main')]);
  } else {
    rows.push(['develop', show('develop')], ['release/*', show('release/x')], ['hotfix/*', show('hotfix/x')], ['main, master', show('main')], ['feature/*', show('feature/x')]);
  }
  const width = Math.max(...rows.map(r => r[0].length), 'Branch'.length);
  return [`  ${'Branch'.padEnd(width)}  Stages`, ...rows.map(([b, s]) => `  ${b.padEnd(width)}  ${s}`)];
}
