import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { AppProcess } from './appProcess';
import { unixSocketPath } from './paths';
import { LOOPBACK } from './ports';
import { joinSockets } from './socketPipe';

/**
 * What links a version's network namespace (netns.ts) to the outside, besides the proxy's socket:
 * the stage's PostgreSQL, and outbound network.
 */

/** How long slirp4netns may take to connect a version's namespace before the app starts without outbound network. */
const OUTBOUND_READY_MS = 5000;

/**
 * The stage's PostgreSQL for an isolated app: it is told the same PG_HOST/PG_PORT as on the host;
 * its bridge listens there inside the namespace and connects to a Unix socket served here (in the
 * daemon, on the host's network), which connects to the database. One socket per database address.
 */
export class DatabaseForwards {
  private readonly servers = new Map<string, { socket: string; server: net.Server }>();

  constructor(private readonly dir: string) {}

  /** The bridge's `--forward host:port=socket` values for this environment (none without a local database). */
  async argsFor(env: Record<string, string>): Promise<string[]> {
    const host = env.PG_HOST;
    const port = Number(env.PG_PORT);
    if (!host || !Number.isInteger(port) || port <= 0 || !['127.0.0.1', 'localhost'].includes(host)) return [];
    const key = `${LOOPBACK}:${port}`;
    let forward = this.servers.get(key);
    if (!forward) {
      const socket = unixSocketPath(this.dir, `pg-${port}.sock`);
      await fs.mkdir(path.dirname(socket), { recursive: true, mode: 0o700 });
      await fs.rm(socket, { force: true });
      const server = net.createServer(inside => joinSockets(inside, net.connect({ host: LOOPBACK, port })));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(socket, () => resolve());
      });
      forward = { socket, server };
      this.servers.set(key, forward);
    }
    return [`${LOOPBACK}:${port}=${forward.socket}`];
  }

  async close(): Promise<void> {
    const all = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(all.map(f => new Promise<void>(resolve => f.server.close(() => resolve()))));
  }
}

/**
 * Outbound network for an isolated version: slirp4netns gives its namespace a tap0 with NAT to the
 * outside (DNS through the host's resolver), refusing the host's loopback so other stages and local
 * services stay out of reach. It ends with the version, or with the daemon (its exit fd closes).
 * Without slirp4netns, or if it fails, the app starts without outbound network (the README says so).
 */
export async function connectOutbound(proc: AppProcess, slirp4netns: string | undefined): Promise<void> {
  if (!slirp4netns || !proc.alive) return;
  const slirp = spawn(slirp4netns, ['--configure', '--mtu=65520', '--disable-host-loopback', '--ready-fd=3', '--exit-fd=4', String(proc.pid), 'tap0'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  slirp.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  slirp.on('error', err => (stderr += err.message));
  void proc.exited.then(() => slirp.kill('SIGTERM'));
  const ready = await new Promise<boolean>(resolve => {
    const timer = setTimeout(() => resolve(false), OUTBOUND_READY_MS);
    (slirp.stdio[3] as NodeJS.ReadableStream | null)?.once('data', () => {
      clearTimeout(timer);
      resolve(true);
    });
    slirp.once('exit', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (!ready) {
    slirp.kill('SIGKILL');
    proc.note(`no outbound network for this version: slirp4netns did not connect its namespace${stderr.trim() ? ` (${stderr.trim().split('\n').pop()})` : ''}`);
  }
}
