import { simpleGit } from 'simple-git';

export interface CommitDetails {
  hash: string;
  author: string;
  /** ISO 8601 author date. */
  date: string;
  subject: string;
}

const SEP = '\x1f';
const FORMAT = `--format=%H${SEP}%an${SEP}%aI${SEP}%s`;

/**
 * The `limit` latest commits of HEAD, plus what git knows of `extra` commits (the commits the
 * run records name); commits this repository lacks are left out, not an error. Empty outside git.
 */
export async function describeCommits(dir: string, options: { limit: number; extra?: string[] }): Promise<CommitDetails[]> {
  const git = simpleGit({ baseDir: dir });
  const head = await git.raw(['log', `--max-count=${options.limit}`, FORMAT, 'HEAD']).catch(() => '');
  const extra = [...new Set(options.extra ?? [])].filter(h => /^[0-9a-f]{7,64}$/i.test(h));
  const more = extra.length ? await git.raw(['log', '--no-walk=unsorted', '--ignore-missing', FORMAT, ...extra]).catch(() => '') : '';
  const seen = new Set<string>();
  const out: CommitDetails[] = [];
  for (const line of `${head}\n${more}`.split('\n')) {
    if (!line) continue;
    const [hash, author, date, subject] = line.split(SEP);
    if (seen.has(hash)) continue;
    seen.add(hash);
    out.push({ hash, author, date, subject: subject ?? '' });
  }
  return out;
}
