import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import ignore from 'ignore';

export const IGNORE_FILE = '.secretlintignore';

/**
 * Only what can never be committed. Everything else git would commit is scanned unless git
 * ignores it (the file lists come from git) or the user's .secretlintignore lists it.
 */
const DEFAULT_IGNORES = ['.git/'];

/** Decides from a path relative to the root (either separator) whether the scan leaves it out. */
export type IgnoreFilter = (relativePath: string) => boolean;

/** The root's `.secretlintignore` (gitignore syntax, as the secretlint CLI reads it) and the defaults. */
export async function loadIgnoreFilter(root: string): Promise<IgnoreFilter> {
  return ignoreFilter(await fs.readFile(path.join(root, IGNORE_FILE), 'utf8').catch(() => ''));
}

/** The filter of a .secretlintignore's text (the committed one, for the pre-commit hook). */
export function ignoreFilter(text: string): IgnoreFilter {
  const ig = ignore().add(DEFAULT_IGNORES).add(text);
  return relativePath => {
    const rel = relativePath.split(path.sep).join('/').replace(/^\.\//, '');
    // Paths outside the root are not governed by its ignore file.
    if (rel === '' || rel.startsWith('../') || path.isAbsolute(rel)) return false;
    return ig.ignores(rel);
  };
}
