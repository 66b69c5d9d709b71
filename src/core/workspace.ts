import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Stagecraft's own folder in a workspace: runs, stage state, logs. Never committed. */
export const STATE_DIR = '.stagecraft';

export function stateDir(root: string): string {
  return path.join(root, STATE_DIR);
}

/** Adds `entry` to the folder's .gitignore unless a line already covers it. Returns true when it wrote. */
export async function ensureGitignored(root: string, entry = `${STATE_DIR}/`): Promise<boolean> {
  const file = path.join(root, '.gitignore');
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const bare = entry.replace(/\/$/, '');
  const covered = text.split(/\r?\n/).some(l => {
    const line = l.trim().replace(/^\//, '').replace(/\/$/, '');
    return line === bare;
  });
  if (covered) return false;
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  await fs.writeFile(file, `${text}${sep}# Stagecraft runs, stage state and logs\n${entry}\n`);
  return true;
}
