import { promises as fs } from 'node:fs';
import { simpleGit, type SimpleGit } from 'simple-git';

/** What Stagecraft needs to know of the repository a stack lives in. */
export interface RepoFacts {
  /** Undefined outside a git repository or on a detached HEAD. */
  branch?: string;
  /** git user.name, else user.email, else the OS user. */
  user: string;
  /** git user.email, else the user: who a personal stage belongs to. */
  userId: string;
  /** `git config stagecraft.stage`: the developer's own stage name, when the slug of the user will not do. */
  stageName?: string;
  /** Full hash of HEAD; undefined before the first commit. */
  commit?: string;
  dirty: boolean;
}

function git(dir: string): SimpleGit {
  return simpleGit({ baseDir: dir, maxConcurrentProcesses: 4 });
}

export async function isRepository(dir: string): Promise<boolean> {
  if (!(await fs.stat(dir).then(s => s.isDirectory(), () => false))) return false;
  return git(dir).checkIsRepo().catch(() => false);
}

export async function readRepoFacts(dir: string): Promise<RepoFacts> {
  const g = git(dir);
  const fallbackUser = process.env.USER ?? process.env.USERNAME ?? 'developer';
  if (!(await isRepository(dir))) return { user: fallbackUser, userId: fallbackUser, dirty: false };
  const [branch, name, email, commit, status, stageName] = await Promise.all([
    g.raw(['symbolic-ref', '--quiet', '--short', 'HEAD']).then(s => s.trim() || undefined, () => undefined),
    g.raw(['config', '--get', 'user.name']).then(s => s.trim() || undefined, () => undefined),
    g.raw(['config', '--get', 'user.email']).then(s => s.trim() || undefined, () => undefined),
    g.revparse(['--verify', '--quiet', 'HEAD']).then(s => s.trim() || undefined, () => undefined),
    // Only tracked changes make the tree differ from the commit; untracked files are not built.
    g.raw(['status', '--porcelain', '--untracked-files=no']).catch(() => undefined),
    g.raw(['config', '--get', 'stagecraft.stage']).then(s => s.trim() || undefined, () => undefined),
  ]);
  const user = name ?? email ?? fallbackUser;
  return { branch, user, userId: email ?? user, ...(stageName ? { stageName } : {}), commit, dirty: status ? status.trim().length > 0 : false };
}
