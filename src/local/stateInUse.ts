import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runningServer } from './database/server';
import { isSameProcess } from './runtime/procinfo';
import type { RuntimeStateFile } from './runtime/state';

/**
 * What still runs from a state folder: stage daemons, their apps, stage databases. The state folder
 * cannot move under them (they write their logs and records by path), so a migration waits for them.
 */
export async function localStateInUse(dir: string): Promise<string[]> {
  const busy: string[] = [];
  for (const stage of await fs.readdir(path.join(dir, 'local')).catch(() => [] as string[])) {
    const state = await readJson<RuntimeStateFile>(path.join(dir, 'local', stage, 'state.json'));
    if (!state) continue;
    const pids = [state.daemon, state.active, state.candidate].filter(p => p !== undefined);
    for (const p of pids) {
      if (await isSameProcess(p.pid, p.startTicks)) {
        busy.push(`stage ${stage}`);
        break;
      }
    }
  }
  for (const stage of await fs.readdir(path.join(dir, 'db')).catch(() => [] as string[])) {
    if (await runningServer(path.join(dir, 'db', stage, 'data'))) busy.push(`database of stage ${stage}`);
  }
  return busy;
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
