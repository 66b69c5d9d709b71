import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { sep } from 'node:path';
import { stateDir } from '../../../../src/core/workspace';
import { cli } from './cli';

/**
 * Processes whose command line or working folder lies inside `dir`: stage daemons (--root dir),
 * app versions (cwd in the artifact), PostgreSQL (-D dir/…), and whatever a killed CLI left
 * running. Linux only (reads /proc); elsewhere it finds nothing.
 */
export function processesUnder(dir: string): { pid: number; command: string }[] {
  const found: { pid: number; command: string }[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter(name => /^\d+$/.test(name));
  } catch {
    return found;
  }
  const inside = (p: string) => p === dir || p.startsWith(dir + sep);
  for (const name of pids) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // Not ours to read, or gone.
      }
      if (inside(cwd) || args.some(a => inside(a) || a.includes(`${dir}${sep}`))) found.push({ pid, command: args.join(' ').slice(0, 200) });
    } catch {
      // Ended while we looked.
    }
  }
  return found;
}

/**
 * Tears a test repository's stages down the way a user would (`stagecraft destroy STAGE --force`),
 * then SIGKILLs whatever still runs from inside the repository, by pid. Returns what it had to
 * kill, so a leak shows up in the test output instead of slowing everyone down.
 */
export async function destroyStages(dir: string, stages: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const stage of stages) {
    const result = await cli(['destroy', stage, '--force'], dir).catch(err => ({ code: 1, output: String(err) }));
    if (result.code !== 0) problems.push(`destroy ${stage} exited ${result.code}: ${result.output.trim().split('\n').slice(-2).join(' ')}`);
  }
  // Stage processes run from the repository's state folder (artifacts, databases), outside it.
  for (const leftover of [...processesUnder(dir), ...processesUnder(stateDir(dir))]) {
    try {
      process.kill(leftover.pid, 'SIGKILL');
      problems.push(`killed leftover pid ${leftover.pid}: ${leftover.command}`);
    } catch {
      // Gone already.
    }
  }
  return problems;
}
