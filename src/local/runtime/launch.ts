import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import { runtimePaths } from './paths';

export const DAEMON_SCRIPT = 'stage-daemon.js';

/**
 * The bundled daemon: beside the bundle that imports this module (dist/extension.js, dist/cli.js),
 * else `dist/` of the package this file sits in (tests and tools running from src/ or out/).
 */
export function daemonScriptPath(): string {
  const tried = [path.join(__dirname, DAEMON_SCRIPT)];
  for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) tried.push(path.join(dir, 'dist', DAEMON_SCRIPT));
  const found = tried.find(p => existsSync(p));
  if (!found) {
    throw new StagecraftError(`The stage runtime (${DAEMON_SCRIPT}) is missing from this installation.`, {
      kind: 'unavailable',
      hint: 'Run "npm run build" in the Stagecraft folder, or reinstall the extension.',
    });
  }
  return found;
}

export interface NodeLauncher {
  file: string;
  env: NodeJS.ProcessEnv;
  describe: string;
}

/**
 * Ways to run a Node script, best first. Inside VS Code `process.execPath` is Electron, which
 * runs as plain Node with ELECTRON_RUN_AS_NODE=1; `node` from PATH is the fallback.
 * STAGECRAFT_NODE names a node binary to use instead of both.
 */
export function nodeLaunchers(host: { execPath: string; versions: NodeJS.ProcessVersions; env: NodeJS.ProcessEnv } = process): NodeLauncher[] {
  const base = { ...host.env };
  delete base.ELECTRON_RUN_AS_NODE;
  if (host.env.STAGECRAFT_NODE) return [{ file: host.env.STAGECRAFT_NODE, env: base, describe: `STAGECRAFT_NODE (${host.env.STAGECRAFT_NODE})` }];
  if (host.versions.electron) {
    return [
      { file: host.execPath, env: { ...base, ELECTRON_RUN_AS_NODE: '1' }, describe: `${host.execPath} as node` },
      { file: 'node', env: base, describe: 'node from PATH' },
    ];
  }
  return [{ file: host.execPath, env: base, describe: host.execPath }];
}

export interface SpawnedDaemon {
  pid: number;
  /** Resolves with the exit code if the daemon ends (while this process still watches). */
  exited: Promise<number | null>;
  launcher: NodeLauncher;
}

/** Starts the detached daemon for a stage; it outlives this process (own session, no stdio, unref'd). */
export async function spawnDaemon(root: string, stage: string, origins: readonly string[], launcher: NodeLauncher, hosts: readonly string[] = []): Promise<SpawnedDaemon> {
  const paths = runtimePaths(root, stage);
  await fs.mkdir(paths.dir, { recursive: true, mode: 0o700 });
  const script = daemonScriptPath();
  const child = spawn(launcher.file, [script, '--root', path.resolve(root), '--stage', stage, '--origins', JSON.stringify(origins), '--hosts', JSON.stringify(hosts)], {
    detached: true,
    stdio: 'ignore',
    cwd: paths.dir,
    env: launcher.env,
    windowsHide: true,
  });
  const exited = new Promise<number | null>(resolve => {
    child.once('exit', code => resolve(code));
    child.once('error', () => resolve(null));
  });
  child.unref();
  return { pid: child.pid ?? 0, exited, launcher };
}

/** The last lines of the daemon's log, for an error message when it failed to start. */
export async function daemonLogTail(root: string, stage: string, lines = 15): Promise<string> {
  const text = await fs.readFile(runtimePaths(root, stage).daemonLog, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
