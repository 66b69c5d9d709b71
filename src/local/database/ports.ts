import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { readDatabaseState } from './state';

export const DB_HOST = '127.0.0.1';

/** True when nothing listens on 127.0.0.1:port (checked by binding it for a moment). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: DB_HOST, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the OS reports free, avoiding ports other stopped stages keep for themselves. */
export async function pickFreePort(dbRoot: string, except: number[] = []): Promise<number> {
  const reserved = new Set([...except, ...(await portsOfOtherStages(dbRoot))]);
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await osFreePort();
    if (!reserved.has(port)) return port;
  }
  return osFreePort();
}

function osFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: DB_HOST, port: 0, exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function portsOfOtherStages(dbRoot: string): Promise<number[]> {
  const names = await fs.readdir(dbRoot).catch(() => [] as string[]);
  const states = await Promise.all(names.map(n => readDatabaseState(path.join(dbRoot, n, 'state.json'))));
  return states.map(s => s.port).filter((p): p is number => typeof p === 'number');
}
