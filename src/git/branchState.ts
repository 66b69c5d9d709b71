import { gitBytes } from './plumbing';

/** The branches feature work is merged into, in GitFlow and trunk alike. */
export const INTEGRATION_BRANCHES = ['develop', 'main', 'master'];

/** git exit code 0 → true, any other → false (these commands answer by exit code). */
function succeeds(dir: string, args: string[]): Promise<boolean> {
  return gitBytes(dir, args).then(() => true, () => false);
}

/** Whether refs/heads/BRANCH exists in the repository of `dir`. */
export function branchExists(dir: string, branch: string): Promise<boolean> {
  return succeeds(dir, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`]);
}

/** Whether `commit` is reachable from one of the integration branches (it was merged, or never left them). */
export async function isIntegrated(dir: string, commit: string): Promise<boolean> {
  for (const branch of INTEGRATION_BRANCHES) {
    if (await succeeds(dir, ['merge-base', '--is-ancestor', commit, `refs/heads/${branch}`])) return true;
  }
  return false;
}

/** `git check-ref-format --branch`: whether git itself accepts NAME as a branch name. */
export function isValidBranchName(dir: string, name: string): Promise<boolean> {
  return succeeds(dir, ['check-ref-format', '--branch', name]);
}
