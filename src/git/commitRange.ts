import { simpleGit } from 'simple-git';

export interface CommitSummary {
  hash: string;
  short: string;
  author: string;
  /** ISO 8601 author date. */
  date: string;
  subject: string;
}

/** What a promotion brings to a stage: the commits of `to` that the stage's current commit `from` lacks. */
export interface CommitRange {
  from?: string;
  to: string;
  commits: CommitSummary[];
  /** More commits than `limit` were in the range. */
  truncated: boolean;
  /** Commits the stage runs that the promoted one does not have (a step back, or another branch). */
  behind: number;
  /** Why the range is not the plain `from..to`: first deployment, unknown commit. */
  note?: string;
}

const SEP = '\x1f';

/**
 * `git log from..to` (newest first, at most `limit`), for "Show Changes" of an approval. With no
 * `from` (the stage never ran anything) it lists the latest commits up to `to`; a `from` this
 * repository does not have is said rather than guessed around.
 */
export async function commitsBetween(dir: string, from: string | undefined, to: string, limit = 100): Promise<CommitRange> {
  const git = simpleGit({ baseDir: dir });
  const known = async (rev: string) => git.raw(['cat-file', '-e', `${rev}^{commit}`]).then(() => true, () => false);
  if (!(await known(to))) return { from, to, commits: [], truncated: false, behind: 0, note: `Commit ${to.slice(0, 12)} is not in this repository (fetch it to see what it contains).` };
  let range = `${from}..${to}`;
  let note: string | undefined;
  if (!from) {
    range = to;
    note = 'The stage has not run any version yet: these are the latest commits of the version being promoted.';
  } else if (!(await known(from))) {
    range = to;
    note = `The stage's current commit ${from.slice(0, 12)} is not in this repository: showing the latest commits of the version being promoted.`;
  }
  const out = await git.raw(['log', `--max-count=${limit + 1}`, `--format=%H${SEP}%h${SEP}%an${SEP}%aI${SEP}%s`, range]);
  const commits = out
    .split('\n')
    .filter(Boolean)
    .map(line => {
      const [hash, short, author, date, subject] = line.split(SEP);
      return { hash, short, author, date, subject };
    });
  let behind = 0;
  if (from && range !== to) behind = Number((await git.raw(['rev-list', '--count', `${to}..${from}`])).trim()) || 0;
  return { from, to, commits: commits.slice(0, limit), truncated: commits.length > limit, behind, ...(note ? { note } : {}) };
}
