import { lstatSync, readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';

/**
 * What a tree holds, entry by entry (path inside the tree → identity and metadata), to tell later
 * whether anything that was there has changed: a file written in place, replaced, removed, renamed
 * or chmod-ed changes its inode, size, mtime, ctime or mode. Folders count by their mode only (their
 * times change whenever something is added inside). Synchronous: a walk of a node_modules of 10,000
 * entries takes tens of milliseconds, and nothing else may change the tree meanwhile anyway.
 */
export type TreeFingerprint = Record<string, string>;

export function fingerprintTree(root: string): TreeFingerprint {
  const out: TreeFingerprint = {};
  const walk = (dir: string, rel: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, d.name);
      const inside = rel ? `${rel}/${d.name}` : d.name;
      out[inside] = describe(abs);
      if (d.isDirectory()) walk(abs, inside);
    }
  };
  walk(root, '');
  return out;
}

function describe(abs: string): string {
  const st = lstatSync(abs, { bigint: true });
  if (st.isDirectory()) return `d:${st.mode}`;
  return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.mode}`;
}

/**
 * Brings `root` back to exactly what `expected` describes, if it can: entries added since are
 * removed; if any expected entry is gone or differs, nothing is removed and the answer is false.
 */
export function restoreToFingerprint(root: string, expected: TreeFingerprint): boolean {
  const now = fingerprintTree(root);
  for (const [rel, what] of Object.entries(expected)) if (now[rel] !== what) return false;
  // Added entries, outermost first: removing a folder takes what is inside it.
  const added = Object.keys(now)
    .filter(rel => !Object.hasOwn(expected, rel))
    .sort((a, b) => a.length - b.length);
  const removed: string[] = [];
  try {
    for (const rel of added) {
      if (removed.some(r => rel.startsWith(`${r}/`))) continue;
      rmSync(path.join(root, rel), { recursive: true, force: true });
      removed.push(rel);
    }
  } catch {
    return false; // a read-only folder, say: the tree is not what it was
  }
  return true;
}
