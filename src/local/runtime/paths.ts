import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { stateDir } from '../../core/workspace';

/**
 * Where a stage's runtime keeps its files. Everything lives under the repository's state folder (core/workspace.ts)
 * so `destroy` can remove it in one place.
 */
export interface RuntimePaths {
  /** `<state folder>/local/<stage>/`: state.json, spec.json, daemon.log, the control socket. */
  dir: string;
  state: string;
  /** The active version's launch spec (command, env); may hold secrets, so written 0600. */
  spec: string;
  daemonLog: string;
  socket: string;
  /** Unix sockets of the versions in their own network namespaces (netns.ts), and of the database forwarder. */
  netDir: string;
  /** Access log of a candidate's own address (before the switch), apart from the stage's. */
  candidateAccessLog: string;
  /** `<state folder>/logs/<stage>/` */
  logDir: string;
  appLog: string;
  accessLog: string;
}

/** Unix socket paths are limited to ~104 bytes (macOS) / 108 (Linux); keep a margin. */
const MAX_SOCKET_PATH = 100;

export function runtimeRoot(root: string): string {
  return path.join(stateDir(root), 'local');
}

export function runtimePaths(root: string, stage: string): RuntimePaths {
  const dir = path.join(runtimeRoot(root), stage);
  const logDir = path.join(stateDir(root), 'logs', stage);
  return {
    dir,
    state: path.join(dir, 'state.json'),
    spec: path.join(dir, 'spec.json'),
    daemonLog: path.join(dir, 'daemon.log'),
    socket: controlSocketPath(dir),
    netDir: path.join(dir, 'net'),
    candidateAccessLog: path.join(logDir, 'candidate-access.log'),
    logDir,
    appLog: path.join(logDir, 'app.log'),
    accessLog: path.join(logDir, 'access.log'),
  };
}

/**
 * The control socket sits beside the state when the path is short enough; deep workspaces get
 * a socket under /tmp named by a hash of the state folder, so client and daemon agree on it
 * without reading anything first. Windows uses a named pipe.
 */
export function controlSocketPath(dir: string): string {
  const hash = createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 20);
  if (process.platform === 'win32') return `\\\\.\\pipe\\stagecraft-${hash}`;
  return unixSocketPath(dir, 'control.sock');
}

/** `<dir>/<name>` when short enough for a Unix socket, else `/tmp/stagecraft-<uid>/<hash of dir>-<name>` (the /tmp folder is made 0700 by its user). */
export function unixSocketPath(dir: string, name: string): string {
  const beside = path.join(dir, name);
  if (Buffer.byteLength(beside) <= MAX_SOCKET_PATH) return beside;
  const hash = createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 20);
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return path.join('/tmp', `stagecraft-${uid}`, name === 'control.sock' ? `${hash}.sock` : `${hash}-${name}`);
}
