import * as net from 'node:net';
import { commandLineOf, isAlive, pidListeningOn } from './procinfo';
import { readAllRuntimeStates } from './state';

export const LOOPBACK = '127.0.0.1';

/** A port the OS says is free right now (bind to 0, read, close). */
export function freePort(host = LOOPBACK): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on host:port. */
export function canConnect(port: number, host = LOOPBACK, timeoutMs = 500): Promise<boolean> {
  return new Promise(resolve => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export type PortHolder =
  | { kind: 'stage'; stage: string; role: 'proxy' | 'active' | 'candidate'; pid?: number }
  | { kind: 'process'; pid: number; command?: string }
  | { kind: 'unknown' };

/**
 * Who holds `port`: a Stagecraft stage of this workspace (from the stages' state.json, checked
 * against the live process), else any process /proc shows listening on it.
 */
export async function findPortHolder(root: string, port: number): Promise<PortHolder> {
  for (const s of await readAllRuntimeStates(root)) {
    if (!s.running || !isAlive(s.daemon?.pid)) continue;
    if (s.proxyPort === port) return { kind: 'stage', stage: s.stage, role: 'proxy', pid: s.daemon?.pid };
    // A version in its own network namespace holds no port of the host.
    if (s.active?.port === port && !s.active.isolated && isAlive(s.active.pid)) return { kind: 'stage', stage: s.stage, role: 'active', pid: s.active.pid };
    if (s.candidate?.port === port && !s.candidate.isolated && isAlive(s.candidate.pid)) return { kind: 'stage', stage: s.stage, role: 'candidate', pid: s.candidate.pid };
  }
  const pid = await pidListeningOn(port);
  if (pid) return { kind: 'process', pid, command: await commandLineOf(pid) };
  return { kind: 'unknown' };
}

export function describePortHolder(holder: PortHolder): string {
  switch (holder.kind) {
    case 'stage':
      return holder.role === 'proxy' ? `the proxy of stage "${holder.stage}"` : `the ${holder.role} version of stage "${holder.stage}" (pid ${holder.pid})`;
    case 'process':
      return `another program (pid ${holder.pid}${holder.command ? `: ${holder.command.slice(0, 120)}` : ''})`;
    default:
      return 'another program';
  }
}

/** The port named in an EADDRINUSE message ("address already in use :::3000" / "127.0.0.1:3000"). */
export function portFromAddressInUse(text: string): number | undefined {
  const m = /EADDRINUSE[^\n]*?:(\d{1,5})\b/.exec(text) ?? /address already in use[^\n]*?:(\d{1,5})\b/i.exec(text);
  return m ? Number(m[1]) : undefined;
}
