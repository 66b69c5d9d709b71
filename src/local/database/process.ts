import { readFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';

/**
 * True while a process with this pid exists and has not exited (EPERM: it exists but belongs to
 * another user). A zombie (exited, not yet reaped by its parent) counts as gone.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

/** True while the pid is taken at all, zombies included: PostgreSQL refuses to start over a zombie postmaster's pid file. */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isZombie(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/**
 * Whether a live pid is a PostgreSQL server rather than a stranger that reused the pid of one
 * that died (after a reboot or a kill -9). Only Linux can tell cheaply; elsewhere we trust the pid.
 */
export async function isPostgresProcess(pid: number): Promise<boolean> {
  if (!isProcessAlive(pid)) return false;
  if (process.platform !== 'linux') return true;
  const comm = await fs.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => undefined);
  return comm === undefined ? true : comm.trim().startsWith('postgres');
}
