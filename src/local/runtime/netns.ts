import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Per-version network isolation (Linux): each app version runs in its own network namespace,
 * so it may bind any port (8000 on 0.0.0.0 in two stages and in blue and green at once), and
 * nothing but the stage's proxy reaches it (through a Unix socket the bridge serves, see
 * netnsBridge.ts). Elsewhere, or when the kernel refuses, or with STAGECRAFT_NETNS=off, apps
 * share the host's network and are told PORT, as before.
 */
export type NetworkMode =
  | {
      kind: 'namespace';
      /** `unshare …` up to the command it runs. */
      unshare: string[];
      /** Absolute path of `ip`. */
      ip: string;
      bridge: string;
      /** slirp4netns, when installed: outbound network for each namespace (user-mode NAT, host loopback refused). */
      slirp4netns?: string;
      describe: string;
    }
  | { kind: 'host'; reason: string };

export const BRIDGE_SCRIPT = 'netns-bridge.js';
export const NETNS_VARIABLE = 'STAGECRAFT_NETNS';

let detected: Promise<NetworkMode> | undefined;

/** Decided once per process: the first call probes, later calls get the same answer. */
export function networkMode(): Promise<NetworkMode> {
  detected ??= detectNetworkMode();
  return detected;
}

/** One probe, unmemoized (networkMode() keeps its first answer). */
export async function detectNetworkMode(): Promise<NetworkMode> {
  if (process.platform !== 'linux') return { kind: 'host', reason: `${process.platform} has no network namespaces` };
  const setting = (process.env[NETNS_VARIABLE] ?? '').trim().toLowerCase();
  if (['off', '0', 'false', 'no'].includes(setting)) return { kind: 'host', reason: `${NETNS_VARIABLE}=${process.env[NETNS_VARIABLE]}` };
  const unshareBin = findProgram('unshare');
  if (!unshareBin) return { kind: 'host', reason: '`unshare` (util-linux) is not installed' };
  const ip = findProgram('ip');
  if (!ip) return { kind: 'host', reason: '`ip` (iproute2) is not installed' };
  const bridge = bridgeScriptPath();
  if (!bridge) return { kind: 'host', reason: `${BRIDGE_SCRIPT} is missing from this installation (run "npm run build")` };
  // As root a plain new network namespace; otherwise a user namespace that maps us to root in it (needed to bring up loopback).
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const unshare = asRoot ? [unshareBin, '--net'] : [unshareBin, '--user', '--map-root-user', '--net'];
  const probe = await run([...unshare, ip, 'link', 'set', 'lo', 'up']);
  if (!probe.ok) return { kind: 'host', reason: `the kernel refused a network namespace (${unshare.slice(1).join(' ')}: ${probe.output.trim().split('\n')[0] || 'failed'})` };
  const slirp4netns = findProgram('slirp4netns');
  const outbound = slirp4netns ? 'outbound network through slirp4netns' : 'no outbound network (slirp4netns is not installed)';
  return { kind: 'namespace', unshare, ip, bridge, slirp4netns, describe: `one network namespace per app version (${path.basename(unshare[0])} ${unshare.slice(1).join(' ')}), ${outbound}` };
}

/** The line the daemon logs once. */
export function describeNetworkMode(mode: NetworkMode): string {
  return mode.kind === 'namespace'
    ? `network isolation: ${mode.describe}; the proxy reaches each version through a Unix socket`
    : `network isolation: off (${mode.reason}); apps share the host's network and listen on the PORT they are given`;
}

/** dist/netns-bridge.js beside the bundle that runs this (dist/stage-daemon.js), else the nearest dist/ above. */
function bridgeScriptPath(): string | undefined {
  const tried = [path.join(__dirname, BRIDGE_SCRIPT)];
  for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) tried.push(path.join(dir, 'dist', BRIDGE_SCRIPT));
  return tried.find(p => existsSync(p));
}

function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function run(command: string[], timeoutMs = 5000): Promise<{ ok: boolean; output: string }> {
  return new Promise(resolve => {
    let output = '';
    const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', err => {
      clearTimeout(timer);
      resolve({ ok: false, output: err.message });
    });
    child.once('close', code => {
      clearTimeout(timer);
      resolve({ ok: code === 0, output });
    });
  });
}
