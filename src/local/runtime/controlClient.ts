import * as net from 'node:net';
import { StagecraftError } from '../../core/errors';
import type { RuntimeReply, RuntimeRequest } from './protocol';

type Request = RuntimeRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** Thrown when no daemon listens on the control socket (never started, or gone). */
export class DaemonUnreachable extends Error {
  constructor(readonly code: string | undefined) {
    super(`stage runtime unreachable (${code ?? 'no answer'})`);
  }
}

let nextId = 1;

/**
 * Sends one request on a fresh connection and waits for its reply. Aborting closes the
 * connection, which the daemon takes as "cancel this request".
 */
export function sendRequest(socketPath: string, request: Request, opts: { timeoutMs: number; signal?: AbortSignal; stage: string }): Promise<unknown> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(StagecraftError.cancelled(`${request.op} on stage "${opts.stage}"`));
    const socket = net.connect(socketPath);
    let buffered = '';
    let connected = false;
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      fn();
    };
    const onAbort = () => finish(() => reject(StagecraftError.cancelled(`${request.op} on stage "${opts.stage}"`)));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            connected
              ? new StagecraftError(`The runtime of stage "${opts.stage}" did not answer "${request.op}" within ${Math.round(opts.timeoutMs / 1000)} s.`, {
                  kind: 'unavailable',
                  hint: `See local/${opts.stage}/daemon.log in Stagecraft's state folder (\`stagecraft status\` names it); stopping and redeploying the stage restarts its runtime.`,
                })
              : new DaemonUnreachable('ETIMEDOUT'),
          ),
        ),
      opts.timeoutMs,
    );
    socket.setEncoding('utf8');
    socket.once('connect', () => {
      connected = true;
      socket.write(JSON.stringify({ ...request, id }) + '\n');
    });
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      let reply: RuntimeReply;
      try {
        reply = JSON.parse(buffered.slice(0, newline)) as RuntimeReply;
      } catch {
        return finish(() => reject(new StagecraftError(`The runtime of stage "${opts.stage}" sent an unreadable reply.`, { kind: 'unavailable' })));
      }
      finish(() => {
        if (reply.ok) resolve(reply.result);
        else
          reject(
            reply.error.cancelled
              ? StagecraftError.cancelled(`${request.op} on stage "${opts.stage}"`)
              : new StagecraftError(reply.error.message, { kind: reply.error.kind, hint: reply.error.hint }),
          );
      });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => finish(() => reject(connected ? lostError(opts.stage, request.op, err.code) : new DaemonUnreachable(err.code))));
    socket.once('close', () => finish(() => reject(connected ? lostError(opts.stage, request.op, 'closed') : new DaemonUnreachable(undefined))));
  });
}

/** The daemon accepted the request, then the connection ended without a reply. */
export class ConnectionLost extends StagecraftError {}

function lostError(stage: string, op: string, why: string | undefined): StagecraftError {
  return new ConnectionLost(`The runtime of stage "${stage}" closed the connection during "${op}" (${why ?? 'no reason given'}).`, {
    kind: 'unavailable',
    hint: `See local/${stage}/daemon.log in Stagecraft's state folder (\`stagecraft status\` names it) for why it ended.`,
  });
}
