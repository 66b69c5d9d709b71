import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeJsonAtomic } from '../jsonFile';

/**
 * The process running a run rewrites `heartbeat.json` every few seconds. A reader decides the
 * run is still live only when that process exists and the heartbeat is fresh, so a run cut off
 * by kill -9, a crash or a window reload reads as interrupted instead of running forever.
 */
export interface Heartbeat {
  pid: number;
  host: string;
  at: string;
}

export const HEARTBEAT_FILE = 'heartbeat.json';
export const DEFAULT_HEARTBEAT_MS = 5000;
/** Older than this, a heartbeat counts as gone even if its pid exists (pid reuse, a hung process). */
export const DEFAULT_STALE_MS = 60_000;

export async function readHeartbeat(dir: string): Promise<Heartbeat | undefined> {
  try {
    const hb = JSON.parse(await fs.readFile(path.join(dir, HEARTBEAT_FILE), 'utf8')) as Heartbeat;
    return typeof hb.pid === 'number' && typeof hb.at === 'string' ? hb : undefined;
  } catch {
    return undefined;
  }
}

export function isHeartbeatAlive(hb: Heartbeat | undefined, staleMs = DEFAULT_STALE_MS, now = Date.now()): boolean {
  if (!hb) return false;
  const age = now - Date.parse(hb.at);
  if (!(age < staleMs)) return false;
  if (hb.host !== os.hostname()) return true; // another machine sharing the folder: only the time tells
  if (hb.pid === process.pid) return true;
  return pidExists(hb.pid);
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Keeps a run's heartbeat fresh until stopped; the timer never keeps the process alive by itself. */
export class HeartbeatWriter {
  private timer?: NodeJS.Timeout;
  private writing?: Promise<void>;

  constructor(private readonly dir: string, private readonly intervalMs = DEFAULT_HEARTBEAT_MS) {}

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      if (!this.writing) this.writing = this.beat().finally(() => (this.writing = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.writing;
  }

  private async beat(): Promise<void> {
    const hb: Heartbeat = { pid: process.pid, host: os.hostname(), at: new Date().toISOString() };
    await writeJsonAtomic(path.join(this.dir, HEARTBEAT_FILE), hb).catch(() => undefined);
  }
}
