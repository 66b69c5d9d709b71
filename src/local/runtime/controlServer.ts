import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { StagecraftError, toStagecraftError } from '../../core/errors';
import { requestSchema, type RuntimeReply, type RuntimeRequest } from './protocol';

export type RequestHandler = (request: RuntimeRequest, signal: AbortSignal) => Promise<unknown>;

const MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * Listens on the stage's control socket. Returns undefined when another daemon already answers
 * there (the socket is the lock: one daemon per stage). A socket file left by a dead daemon is
 * removed and taken over. `afterReply` runs once a reply has been flushed (for `stop`).
 */
export async function listenControl(
  socketPath: string,
  handle: RequestHandler,
  afterReply: (request: RuntimeRequest) => void,
): Promise<net.Server | undefined> {
  if (process.platform !== 'win32') await fs.mkdir(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  const server = net.createServer(socket => serve(socket, handle, afterReply));
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await tryListen(server, socketPath)) {
      if (process.platform !== 'win32') await fs.chmod(socketPath, 0o600);
      return server;
    }
    if (await answers(socketPath)) return undefined;
    // A dead daemon's socket file: take it over, one contender at a time, or two daemons could
    // each remove the other's fresh socket.
    const lock = `${socketPath}.takeover`;
    if (await takeLock(lock)) {
      try {
        if (await answers(socketPath)) return undefined;
        await fs.rm(socketPath, { force: true });
        if (await tryListen(server, socketPath)) {
          if (process.platform !== 'win32') await fs.chmod(socketPath, 0o600);
          return server;
        }
      } finally {
        await fs.rm(lock, { force: true });
      }
    }
    await new Promise(resolve => setTimeout(resolve, 100 + Math.random() * 100));
  }
  throw new Error(`could not take the control socket ${socketPath}`);
}

/** Listens on the socket path; false when the path is taken (EADDRINUSE). */
function tryListen(server: net.Server, socketPath: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') resolve(false);
      else reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(true);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(socketPath);
  });
}

/** An exclusive lock file; one left by a contender that died is taken after 10 s. */
async function takeLock(lock: string): Promise<boolean> {
  try {
    await fs.writeFile(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const age = Date.now() - (await fs.stat(lock).then(s => s.mtimeMs, () => Date.now()));
    if (age > 10_000) await fs.rm(lock, { force: true });
    return false;
  }
}

function answers(socketPath: string): Promise<boolean> {
  return new Promise(resolve => {
    const socket = net.connect(socketPath);
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(true); // Someone holds it but is slow: do not steal it.
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function serve(socket: net.Socket, handle: RequestHandler, afterReply: (request: RuntimeRequest) => void): void {
  // The client closing its end cancels what it asked for (for a long startCandidate).
  const gone = new AbortController();
  socket.on('close', () => gone.abort());
  socket.on('error', () => undefined);
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    if (buffered.length > MAX_REQUEST_BYTES) {
      socket.destroy();
      return;
    }
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.trim()) void answer(line);
    }
  });

  async function answer(line: string): Promise<void> {
    let id = -1;
    let reply: RuntimeReply;
    let request: RuntimeRequest | undefined;
    try {
      const raw = JSON.parse(line) as { id?: unknown };
      if (typeof raw.id === 'number') id = raw.id;
      const parsed = requestSchema.safeParse(raw);
      if (!parsed.success) throw new StagecraftError(`Bad request to the stage runtime: ${parsed.error.issues[0]?.message}`, { kind: 'usage' });
      request = parsed.data;
      reply = { id, ok: true, result: (await handle(request, gone.signal)) ?? null };
    } catch (err) {
      const e = toStagecraftError(err);
      reply = { id, ok: false, error: { message: e.message, kind: e.kind, hint: e.hint, cancelled: e.cancelled || undefined } };
    }
    if (socket.destroyed) return;
    socket.write(JSON.stringify(reply) + '\n', () => {
      if (request) afterReply(request);
    });
  }
}
