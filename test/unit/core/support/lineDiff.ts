/** A line diff for tests: which lines an edit removed and added, and where. */
export interface Hunk {
  /** 1-based line of the original where the change starts (the line an insertion goes before). */
  line: number;
  removed: string[];
  added: string[];
}

export function lineDiff(before: string, after: string): Hunk[] {
  const a = before.split(/\r?\n/);
  const b = after.split(/\r?\n/);
  // Longest common subsequence table, filled from the end.
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const hunks: Hunk[] = [];
  let current: Hunk | undefined;
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      current = undefined;
      i++;
      j++;
      continue;
    }
    if (!current) {
      current = { line: i + 1, removed: [], added: [] };
      hunks.push(current);
    }
    if (j < m && (i >= n || lcs[i][j + 1] >= lcs[i + 1][j])) current.added.push(b[j++]);
    else current.removed.push(a[i++]);
  }
  return hunks;
}

/** Lines holding a comment (`#` after whitespace or at the start). */
export function commentLines(text: string): string[] {
  return text.split(/\r?\n/).filter(l => /(^|\s)#/.test(l));
}
