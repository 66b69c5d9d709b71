import { promises as fs } from 'node:fs';

/**
 * Facts about processes and listening sockets, read from /proc on Linux. Elsewhere the functions
 * answer "unknown" (undefined / empty) and callers fall back to what they can see themselves.
 */

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface ProcStat {
  pgrp: number;
  startTicks: number;
  state: string;
}

async function readStat(pid: number): Promise<ProcStat | undefined> {
  try {
    const text = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0], pgrp: Number(rest[2]), startTicks: Number(rest[19]) };
  } catch {
    return undefined;
  }
}

/** The process's start time in clock ticks since boot (Linux), to tell it apart from a recycled pid. */
export async function startTicksOf(pid: number): Promise<number | undefined> {
  return (await readStat(pid))?.startTicks;
}

/** True when `pid` runs and, where we recorded a start time, it is still the same process (not a zombie). */
export async function isSameProcess(pid: number | undefined, startTicks: number | undefined): Promise<boolean> {
  if (!pid || !isAlive(pid)) return false;
  const stat = await readStat(pid);
  if (!stat) return process.platform !== 'linux';
  if (stat.state === 'Z') return false;
  return startTicks === undefined || stat.startTicks === startTicks;
}

async function allPids(): Promise<number[]> {
  const names = await fs.readdir('/proc').catch(() => [] as string[]);
  return names.filter(n => /^\d+$/.test(n)).map(Number);
}

/** Pids in process group `pgid` (an app started detached leads its own group). */
export async function groupMembers(pgid: number): Promise<number[]> {
  const out: number[] = [];
  for (const pid of await allPids()) {
    const stat = await readStat(pid);
    if (stat?.pgrp === pgid && stat.state !== 'Z') out.push(pid);
  }
  return out;
}

/** Listening TCP sockets on this machine: port → socket inodes (IPv4 and IPv6). */
async function listeningSockets(): Promise<Map<number, Set<string>>> {
  const byPort = new Map<number, Set<string>>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A') continue; // 0A = LISTEN
      const port = parseInt(cols[1].split(':').pop() ?? '', 16);
      if (!byPort.has(port)) byPort.set(port, new Set());
      byPort.get(port)!.add(cols[9]);
    }
  }
  return byPort;
}

async function socketInodesOf(pid: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  const fds = await fs.readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    const target = await fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(m[1]);
  }
  return inodes;
}

/** TCP ports that any process of group `pgid` listens on (Linux; empty elsewhere). */
export async function listeningPortsOfGroup(pgid: number): Promise<number[]> {
  const sockets = await listeningSockets();
  if (sockets.size === 0) return [];
  const mine = new Set<string>();
  for (const pid of await groupMembers(pgid)) for (const inode of await socketInodesOf(pid)) mine.add(inode);
  const ports: number[] = [];
  for (const [port, inodes] of sockets) if ([...inodes].some(i => mine.has(i))) ports.push(port);
  return ports.sort((a, b) => a - b);
}

/** The pid listening on `port`, when /proc lets us see it (only our own user's processes). */
export async function pidListeningOn(port: number): Promise<number | undefined> {
  const inodes = (await listeningSockets()).get(port);
  if (!inodes) return undefined;
  for (const pid of await allPids()) {
    for (const inode of await socketInodesOf(pid)) if (inodes.has(inode)) return pid;
  }
  return undefined;
}

export async function commandLineOf(pid: number): Promise<string | undefined> {
  const raw = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  return raw?.split('\0').filter(Boolean).join(' ');
}
