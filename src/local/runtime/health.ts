import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeRuntimeFile } from './state';

/**
 * `health.json` beside a stage's state.json: what the stage's watchdog did and gave up on.
 * Written by the watchdog (and cleared of a failure by a daemon a person started); read by status,
 * which says "recovered at HH:MM (daemon crashed)" instead of "failed" or "stopped".
 */
export interface StageHealth {
  /** The latest automatic recovery of the daemon, of the app, or of the database. */
  recovered?: { at: string; reason: string };
  /** Recoveries of the daemon, newest last (the restart policy counts those in its window). */
  daemonRestarts: string[];
  /** Set when the watchdog gave up: the stage is failed for this reason until someone deploys or starts it. */
  failed?: { at: string; reason: string };
}

export function healthFile(runtimeDir: string): string {
  return path.join(runtimeDir, 'health.json');
}

export async function readHealth(runtimeDir: string): Promise<StageHealth> {
  try {
    const parsed = JSON.parse(await fs.readFile(healthFile(runtimeDir), 'utf8')) as Partial<StageHealth>;
    return { daemonRestarts: Array.isArray(parsed.daemonRestarts) ? parsed.daemonRestarts : [], recovered: parsed.recovered, failed: parsed.failed };
  } catch {
    return { daemonRestarts: [] };
  }
}

export async function updateHealth(runtimeDir: string, change: (health: StageHealth) => StageHealth): Promise<void> {
  await writeRuntimeFile(healthFile(runtimeDir), change(await readHealth(runtimeDir)));
}

/** "recovered at 12:03 (daemon crashed)" in local time. */
export function recoveredText(recovered: { at: string; reason: string }): string {
  const at = new Date(recovered.at);
  return `recovered at ${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')} (${recovered.reason})`;
}
