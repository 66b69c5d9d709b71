import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { StagecraftError } from '../../core/errors';

const execFileAsync = promisify(execFile);

/** The account the server runs as: undefined means "the current user". */
export interface RunAs {
  uid: number;
  gid: number;
}

let cached: Promise<RunAs | undefined> | undefined;

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * PostgreSQL refuses to run as root. As root (containers, CI boxes) the server runs as the
 * `postgres` user, created on first use; a normal user runs it as themself.
 */
export function postgresRunAs(): Promise<RunAs | undefined> {
  if (!isRoot()) return Promise.resolve(undefined);
  cached ??= lookupOrCreate().catch(err => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function lookup(): Promise<RunAs | undefined> {
  try {
    const [uid, gid] = await Promise.all([execFileAsync('id', ['-u', 'postgres']), execFileAsync('id', ['-g', 'postgres'])]);
    return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  } catch {
    return undefined;
  }
}

async function lookupOrCreate(): Promise<RunAs> {
  const found = await lookup();
  if (found) return found;
  // Another process may be creating it at the same moment: ignore failures and look again.
  await execFileAsync('groupadd', ['-f', 'postgres']).catch(() => undefined);
  await execFileAsync('useradd', ['--system', '-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres']).catch(() => undefined);
  const created = await lookup();
  if (created) return created;
  throw new StagecraftError('Stagecraft runs as root and PostgreSQL cannot; creating the user "postgres" to run it failed.', {
    kind: 'unavailable',
    hint: 'Create a system user named postgres (`useradd --system postgres`) or run Stagecraft as a normal user.',
  });
}

/** Whether `runAs` can write `dir` (walks the path the way the kernel would for that user). */
export async function canWrite(dir: string, runAs: RunAs): Promise<boolean> {
  return new Promise(resolve => {
    execFile('/bin/sh', ['-c', 'test -w "$1" && test -x "$1"', 'sh', dir], { uid: runAs.uid, gid: runAs.gid, cwd: '/' }, err => resolve(!err));
  });
}

/** The first folder above `dir` that `runAs` cannot pass through, to name it in an error. */
export async function blockingAncestor(dir: string, runAs: RunAs): Promise<string | undefined> {
  const chain: string[] = [];
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    chain.unshift(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of chain) {
    const st = await fs.stat(d).catch(() => undefined);
    if (!st) return undefined;
    const bit = st.uid === runAs.uid ? 0o100 : st.gid === runAs.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return d;
  }
  return undefined;
}
