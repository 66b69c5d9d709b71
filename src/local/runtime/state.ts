import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runtimePaths, runtimeRoot } from './paths';
import { writeJsonAtomic } from '../../core/jsonFile';

/** One running (or last run) version of the app, as recorded in state.json. */
export interface RecordedVersion {
  artifactId: string;
  commit: string;
  port: number;
  pid: number;
  startedAt: string;
  mode?: 'blue-green' | 'stop-then-start';
  /** In its own network namespace (netns.ts): `port` is inside it; the proxy connects to `socket`. */
  isolated?: boolean;
  socket?: string;
  /** A candidate's own address before the switch (see VersionInfo.url). */
  url?: string;
  /** Linux process start time (clock ticks since boot) so a recycled pid is never mistaken for ours. */
  startTicks?: number;
}

export interface ExitRecord {
  code: number | null;
  signal: string | null;
  at: string;
  commit?: string;
}

/**
 * What a stage's daemon records in `<state folder>/local/<stage>/state.json`. Readers: the daemon on
 * restart (stable proxy port, orphaned apps), other stages' port-conflict checks, status without a daemon.
 */
export interface RuntimeStateFile {
  stage: string;
  /** false once the daemon has ended (stop, or noticed dead by a client). */
  running: boolean;
  /** What the user asked for last: a daemon found dead while `running` restarts its active version. */
  desired: 'running' | 'stopped';
  daemon?: { pid: number; startedAt: string; startTicks?: number };
  proxyPort?: number;
  origins: string[];
  /** Host names the proxy answers to besides the loopback names (the stage's `hosts:`). */
  hosts?: string[];
  active?: RecordedVersion;
  candidate?: RecordedVersion;
  /** The last version that served, kept after stop so the stage still says what it ran. */
  lastActive?: Pick<RecordedVersion, 'artifactId' | 'commit'>;
  restarts: number;
  lastExit?: ExitRecord;
  /** The most recent crashes of the active version (newest last, at most 20). */
  crashes: ExitRecord[];
  /** Set when the supervisor gave up restarting the active version; cleared by the next promotion. */
  failed?: { at: string; reason: string };
  updatedAt: string;
}

export function emptyState(stage: string): RuntimeStateFile {
  return { stage, running: false, desired: 'stopped', origins: [], restarts: 0, crashes: [], updatedAt: new Date().toISOString() };
}

export async function readRuntimeState(root: string, stage: string): Promise<RuntimeStateFile | undefined> {
  return readStateFile(runtimePaths(root, stage).state);
}

async function readStateFile(file: string): Promise<RuntimeStateFile | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as RuntimeStateFile;
    return typeof parsed.stage === 'string' ? { ...emptyState(parsed.stage), ...parsed } : undefined;
  } catch {
    return undefined;
  }
}

/** A runtime record, atomically, in its private folder. */
export async function writeRuntimeFile(file: string, value: unknown, mode = 0o644): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeJsonAtomic(file, value, { mode });
}

/** Every other stage's recorded state under `<state folder>/local/`, for "who holds port N". */
export async function readAllRuntimeStates(root: string): Promise<RuntimeStateFile[]> {
  const dir = runtimeRoot(root);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const states = await Promise.all(names.map(name => readStateFile(path.join(dir, name, 'state.json'))));
  return states.filter((s): s is RuntimeStateFile => s !== undefined);
}
