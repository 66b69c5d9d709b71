import { promises as fs } from 'node:fs';
import type { Stack, Stage } from '../core/model';
import { runningDrift, type RunningDifference } from '../core/lint/runningDrift';
import { isSameProcess } from './runtime/procinfo';
import { readRuntimeState } from './runtime/state';
import { readStageSecrets } from './stageSecrets';

export interface LocalDrift {
  /** Undefined when the stage is not running here (nothing to compare). */
  commit?: string;
  differences: RunningDifference[];
  /** Why part of it could not be compared. */
  note?: string;
}

/**
 * How a running local stage differs from stagecraft.yaml: the active version's environment (read
 * from /proc, Linux only), the origins its proxy allows, and whether it has a database connection.
 */
export async function localRunningDrift(stack: Stack, stage: Stage): Promise<LocalDrift | undefined> {
  const state = await readRuntimeState(stack.root, stage.name);
  const active = state?.running ? state.active : undefined;
  if (!state || !active) return undefined;
  let env: Record<string, string> | undefined;
  let note: string | undefined;
  if (await isSameProcess(active.pid, active.startTicks)) env = await processEnv(active.pid);
  if (!env) note = 'the running version\'s environment cannot be read on this platform; only origins were compared';
  const secrets = await readStageSecrets(stack.root, stage.name).catch(() => ({}) as Record<string, string>);
  const differences = runningDrift(stage, { env, origins: state.origins, database: env ? 'PG_HOST' in env : undefined, commit: active.commit }, name => secrets[name]);
  return { commit: active.commit, differences, ...(note ? { note } : {}) };
}

async function processEnv(pid: number): Promise<Record<string, string> | undefined> {
  try {
    const raw = await fs.readFile(`/proc/${pid}/environ`, 'utf8');
    const env: Record<string, string> = {};
    for (const pair of raw.split('\0')) {
      const eq = pair.indexOf('=');
      if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    return env;
  } catch {
    return undefined;
  }
}
