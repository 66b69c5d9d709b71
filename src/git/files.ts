import { GitError, gitBytes, splitNul } from './plumbing';

/**
 * Files of the work tree under `dir` that git would consider: tracked plus untracked-but-not-
 * ignored (so build output and node_modules listed in .gitignore stay out). Paths are relative
 * to `dir`. Undefined when `dir` is not inside a git work tree.
 */
export async function listWorkTreeFiles(dir: string, options: { signal?: AbortSignal; pathspecs?: string[] } = {}): Promise<string[] | undefined> {
  const args = ['-c', 'core.quotePath=false', 'ls-files', '-z', '--cached', '--others', '--exclude-standard', '--deduplicate'];
  if (options.pathspecs && options.pathspecs.length > 0) args.push('--', ...options.pathspecs);
  try {
    return splitNul(await gitBytes(dir, args, { signal: options.signal }));
  } catch (err) {
    if (err instanceof GitError && /not a git repository/i.test(err.message)) return undefined;
    throw err;
  }
}
