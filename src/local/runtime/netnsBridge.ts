/**
 * Entry of `dist/netns-bridge.js`: the first process inside one app version's network namespace
 * (started as `unshare --net node netns-bridge.js …`, see netns.ts). It
 *  - brings up loopback, the only interface of a fresh namespace;
 *  - listens on each `--forward host:port=unix-socket` inside the namespace and passes the
 *    connections to that Unix socket outside (the stage's PostgreSQL, at the PG_HOST/PG_PORT the
 *    app is told);
 *  - starts the app (same process group, so stopping the version stops both);
 *  - once the app listens (on PORT, or on the one port it chose itself), accepts connections on
 *    `--socket` and passes them to the app: the stage's proxy reaches the app only this way;
 *  - exits as the app exits (same code or signal), removing its socket.
 * It talks to the supervisor on fd 3, one JSON object per line: {"netns":true} once loopback is up,
 * {"listening":port}, {"note":text}. With --wait-start it starts the app only after the supervisor
 * answers {"start":true} (it connects the namespace to the outside network first).
 *   node netns-bridge.js --ip /usr/sbin/ip --socket S --port P [--forward H:P=S]... [--wait-start] -- command args…
 */
import { spawn, spawnSync } from 'node:child_process';
import { promises as fs, unlinkSync, writeSync } from 'node:fs';
import * as net from 'node:net';
import { joinSockets } from './socketPipe';

/** How long an app may ignore PORT before the one port it listens on is taken as its own. */
const ADOPT_AFTER_MS = 1500;

interface BridgeArgs {
  ip: string;
  socket: string;
  port: number;
  forwards: { host: string; port: number; socket: string }[];
  command: string[];
  waitStart: boolean;
}

function parseArgs(argv: string[]): BridgeArgs {
  const dash = argv.indexOf('--');
  const own = dash >= 0 ? argv.slice(0, dash) : argv;
  const value = (name: string) => {
    const i = own.indexOf(`--${name}`);
    return i >= 0 ? own[i + 1] : undefined;
  };
  const forwards: BridgeArgs['forwards'] = [];
  own.forEach((a, i) => {
    if (a !== '--forward') return;
    const m = /^(.+):(\d+)=(.+)$/.exec(own[i + 1] ?? '');
    if (m) forwards.push({ host: m[1], port: Number(m[2]), socket: m[3] });
  });
  const args = { ip: value('ip') ?? 'ip', socket: value('socket') ?? '', port: Number(value('port')), forwards, command: dash >= 0 ? argv.slice(dash + 1) : [], waitStart: own.includes('--wait-start') };
  if (!args.socket || !Number.isInteger(args.port) || args.command.length === 0) {
    process.stderr.write('usage: netns-bridge --ip <ip> --socket <path> --port <port> [--forward host:port=socket]... -- command [args…]\n');
    process.exit(2);
  }
  return args;
}

function tell(message: Record<string, unknown>): void {
  try {
    writeSync(3, JSON.stringify(message) + '\n');
  } catch {
    // No supervisor listening (run by hand): nothing to tell.
  }
}

/** Resolves when the supervisor says {"start":true} on fd 3 (or closes it: then nothing more will come). */
function startSignal(): Promise<void> {
  return new Promise(resolve => {
    const channel = new net.Socket({ fd: 3, readable: true, writable: true });
    let text = '';
    const done = () => {
      channel.removeAllListeners('data');
      channel.pause();
      channel.unref();
      resolve();
    };
    channel.setEncoding('utf8');
    channel.on('data', (chunk: string) => {
      text += chunk;
      if (/"start"\s*:\s*true/.test(text)) done();
    });
    channel.on('end', done);
    channel.on('error', done);
  });
}

function removeSocket(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Not there.
  }
}

/** Ports something listens on inside this namespace (IPv4 and IPv6). */
async function listeningPorts(): Promise<Set<number>> {
  const ports = new Set<number>();
  for (const file of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length >= 4 && cols[3] === '0A') ports.add(parseInt(cols[1].split(':').pop() ?? '', 16));
    }
  }
  return ports;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const s = net.connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(250, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

function listen(server: net.Server, where: net.ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(where, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const up = spawnSync(args.ip, ['link', 'set', 'lo', 'up'], { encoding: 'utf8' });
  if (up.status !== 0) {
    process.stderr.write(`stagecraft: could not bring up loopback in the version's network namespace: ${(up.stderr || up.error?.message || '').trim()}\n`);
    process.exit(70);
  }

  const servers: net.Server[] = [];
  for (const f of args.forwards) {
    const server = net.createServer(inside => joinSockets(inside, net.connect(f.socket)));
    await listen(server, { host: f.host, port: f.port });
    servers.push(server);
  }
  const ownPorts = new Set(args.forwards.map(f => f.port));
  tell({ netns: true });
  if (args.waitStart) await startSignal();

  // The bridge's own environment variable carries the app's NODE_OPTIONS past the bridge (see supervisor).
  const env = { ...process.env };
  if (env.STAGECRAFT_APP_NODE_OPTIONS !== undefined) env.NODE_OPTIONS = env.STAGECRAFT_APP_NODE_OPTIONS;
  delete env.STAGECRAFT_APP_NODE_OPTIONS;
  const app = spawn(args.command[0], args.command.slice(1), { stdio: ['ignore', 'inherit', 'inherit'], env });
  // The group gets stop signals; the app decides when it is done, and the bridge follows it.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => undefined);
  let appGone = false;
  app.once('error', err => {
    process.stderr.write(`stagecraft: could not start "${args.command[0]}": ${err.message}\n`);
    tell({ spawnError: err.message });
    finish(127, null);
  });
  app.once('exit', (code, signal) => finish(code, signal));

  function finish(code: number | null, signal: NodeJS.Signals | null): void {
    if (appGone) return;
    appGone = true;
    for (const s of servers) s.close();
    removeSocket(args.socket);
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      setTimeout(() => process.exit(128), 1000).unref();
    } else {
      process.exit(code ?? 1);
    }
  }

  // Wait until the app listens: on PORT, or on the one other port it keeps listening on.
  const started = Date.now();
  let previous: number[] = [];
  let port: number | undefined;
  while (!appGone && port === undefined) {
    if (await canConnect(args.port)) port = args.port;
    else if (Date.now() - started >= ADOPT_AFTER_MS) {
      const seen = [...(await listeningPorts())].filter(p => !ownPorts.has(p));
      if (seen.length === 1 && previous.length === 1 && seen[0] === previous[0]) port = seen[0];
      previous = seen;
    }
    if (port === undefined) await new Promise(r => setTimeout(r, port === undefined && Date.now() - started < ADOPT_AFTER_MS ? 20 : 250));
  }
  if (appGone || port === undefined) return;
  const target = port;
  const front = net.createServer(outside => joinSockets(outside, net.connect({ port: target, host: '127.0.0.1' })));
  removeSocket(args.socket);
  await listen(front, { path: args.socket });
  servers.push(front);
  tell({ listening: target });
}

main().catch(err => {
  process.stderr.write(`stagecraft netns bridge: ${(err as Error).message}\n`);
  tell({ note: `bridge failed: ${(err as Error).message}` });
  process.exit(70);
});
