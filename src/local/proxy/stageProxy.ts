import * as http from 'node:http';
import type { Socket } from 'node:net';
import { StagecraftError } from '../../core/errors';
import { RotatingFile } from '../logs/rotatingFile';
import { combinedLogLine } from './accessLog';
import { isPreflight, preflightHeaders, responseCorsHeaders } from './cors';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers';
import { judgeRequest, type GateVerdict } from './requestGate';

export interface StageProxyOptions {
  stage: string;
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** 0 picks any free port. */
  port: number;
  /** The stage's CORS origins; [] allows only localhost origins (see core/origins isOriginAllowed). */
  origins: readonly string[];
  /** Host names the stage answers to besides 127.0.0.1, localhost and [::1] at its port. */
  hosts?: readonly string[];
  /** Path of the access log (Apache combined format), rotated by size. */
  accessLog: string;
  maxAccessLogBytes?: number;
  /** How long setUpstream and close wait for requests in flight; default 10 s. */
  drainTimeoutMs?: number;
}

export interface UpstreamAddress {
  host: string;
  port: number;
  /** A Unix socket to connect to instead of host:port (a version in its own network namespace; host:port is then its address inside). */
  socketPath?: string;
}

/** One upstream with its own connection pool and a count of the requests it is serving. */
class Upstream {
  readonly agent: http.Agent;
  inflight = 0;
  private waiters: Array<() => void> = [];

  constructor(
    readonly host: string,
    readonly port: number,
    readonly socketPath?: string,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, scheduling: 'lifo' });
  }

  started(): void {
    this.inflight++;
  }

  finished(): void {
    this.inflight--;
    if (this.inflight === 0) for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves when nothing is in flight, or after `timeoutMs`, then closes the pool. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.inflight > 0) {
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, timeoutMs);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.agent.destroy();
  }
}

/** Only requests without a body can be sent again after a keep-alive socket turned out to be closed. */
const RETRYABLE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The stable address of one stage: a reverse proxy that forwards to whichever version of the
 * service is current, enforces the stage's CORS origins, and writes an access log.
 *
 * Blue/green: setUpstream(new) sends every new request to the new version at once and resolves
 * when the requests still running on the old one have finished, so the caller can then stop the
 * old version without losing a request. Websocket connections are proxied too, but they are not
 * waited for: they end when the old version stops, and clients reconnect to the new one.
 */
export class StageProxy {
  private readonly server: http.Server;
  private readonly accessLog: RotatingFile;
  private readonly host: string;
  private readonly drainTimeoutMs: number;
  private upstream: Upstream | undefined;
  private retired = new Set<Upstream>();
  private origins: readonly string[];
  private hosts: readonly string[];
  private readonly tunnels = new Set<Socket>();
  private boundPort = 0;
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: StageProxyOptions) {
    this.host = opts.host ?? '127.0.0.1';
    this.drainTimeoutMs = opts.drainTimeoutMs ?? 10_000;
    this.origins = [...opts.origins];
    this.hosts = [...(opts.hosts ?? [])];
    this.accessLog = new RotatingFile(opts.accessLog, { maxBytes: opts.maxAccessLogBytes });
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => this.tunnel(req, socket, head));
    this.server.on('clientError', (_err, socket: Socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  get port(): number {
    return this.boundPort;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        const inUse = err.code === 'EADDRINUSE';
        reject(
          new StagecraftError(
            inUse
              ? `Stage "${this.opts.stage}": port ${this.opts.port} on ${this.host} is already in use, so the stage's proxy cannot start.`
              : `Stage "${this.opts.stage}": the proxy could not listen on ${this.host}:${this.opts.port}: ${err.message}`,
            { kind: 'unavailable', cause: err, hint: inUse ? 'Stop the program holding the port (`stagecraft status` shows which stage has it) or give the stage another port.' : undefined },
          ),
        );
      };
      this.server.once('error', onError);
      this.server.listen(this.opts.port, this.host, () => {
        this.server.off('error', onError);
        const address = this.server.address();
        this.boundPort = typeof address === 'object' && address ? address.port : this.opts.port;
        resolve(this.boundPort);
      });
    });
  }

  async setUpstream(target: UpstreamAddress | undefined): Promise<void> {
    const previous = this.upstream;
    if (previous && target && previous.host === target.host && previous.port === target.port && previous.socketPath === target.socketPath) return;
    this.upstream = target ? new Upstream(target.host, target.port, target.socketPath) : undefined;
    if (!previous) return;
    this.retired.add(previous);
    try {
      await previous.drain(this.drainTimeoutMs);
    } finally {
      this.retired.delete(previous);
    }
  }

  setOrigins(origins: readonly string[]): void {
    this.origins = [...origins];
  }

  setHosts(hosts: readonly string[]): void {
    this.hosts = [...hosts];
  }

  private judge(req: http.IncomingMessage): GateVerdict {
    return judgeRequest({ host: req.headers.host, origin: req.headers.origin }, { stage: this.opts.stage, port: this.boundPort, origins: this.origins, hosts: this.hosts });
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const closed = new Promise<void>(resolve => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const pools = [...this.retired, ...(this.upstream ? [this.upstream] : [])];
    this.upstream = undefined;
    await Promise.all(pools.map(p => p.drain(this.drainTimeoutMs)));
    this.server.closeAllConnections();
    for (const socket of this.tunnels) socket.destroy();
    await closed;
    await this.accessLog.close();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let bytes = 0;
    const countBytes = (n: number) => (bytes += n);
    this.logWhenDone(req, res, () => bytes);
    // Every request, any method or content type: a refused Host or Origin never reaches the service.
    const verdict = this.judge(req);
    if (!verdict.ok) {
      // The body is read and dropped, never forwarded, so the connection stays usable.
      req.resume();
      countBytes(this.reply(res, verdict.status, verdict.message, undefined));
      return;
    }
    const origin = verdict.corsOrigin;

    if (isPreflight(req.method, req.headers)) {
      res.writeHead(204, preflightHeaders(req.headers.origin as string, header(req.headers['access-control-request-headers'])));
      res.end();
      return;
    }

    const upstream = this.upstream;
    if (!upstream) {
      countBytes(this.reply(res, 503, `Stage "${this.opts.stage}" has no running version: nothing is deployed to it, or it is stopped. Deploy it (stagecraft deploy ${this.opts.stage}) and try again.`, origin));
      return;
    }
    upstream.started();
    res.once('close', () => upstream.finished());
    this.forward(req, res, upstream, origin, countBytes, true);
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, upstream: Upstream, origin: string | undefined, countBytes: (n: number) => void, mayRetry: boolean): void {
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
    const upstreamReq = http.request({
      ...connectTo(upstream),
      method: req.method,
      path: req.url,
      headers: upstreamRequestHeaders(req, `${upstream.host}:${upstream.port}`) as unknown as http.OutgoingHttpHeaders,
      agent: upstream.agent,
    });
    let answered = false;
    const onClientGone = () => {
      if (!answered || !res.writableFinished) upstreamReq.destroy();
    };
    res.once('close', onClientGone);

    upstreamReq.on('response', upstreamRes => {
      answered = true;
      const { headers, names } = downstreamResponseHeaders(upstreamRes.rawHeaders);
      if (origin) headers.push(...responseCorsHeaders(origin, names));
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, headers);
      upstreamRes.on('data', (chunk: Buffer) => countBytes(chunk.length));
      // The service died mid-body: cut the client's response too, so it cannot pass for complete.
      upstreamRes.on('error', () => res.destroy());
      upstreamRes.on('close', () => {
        if (!upstreamRes.complete) res.destroy();
      });
      upstreamRes.pipe(res);
    });

    upstreamReq.on('error', (err: NodeJS.ErrnoException) => {
      if (answered || res.destroyed) {
        res.destroy();
        return;
      }
      // A pooled keep-alive socket the service closed just as it was reused: send again once.
      if (mayRetry && upstreamReq.reusedSocket && !hasBody && RETRYABLE.has(req.method ?? '') && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
        res.off('close', onClientGone);
        this.forward(req, res, upstream, origin, countBytes, false);
        return;
      }
      countBytes(this.reply(res, 502, this.upstreamProblem(upstream, err), origin));
    });

    if (hasBody) req.pipe(upstreamReq);
    else upstreamReq.end();
  }

  private upstreamProblem(upstream: Upstream, err: NodeJS.ErrnoException): string {
    const where = upstream.socketPath ? `${upstream.host}:${upstream.port} (in its network namespace, through ${upstream.socketPath})` : `${upstream.host}:${upstream.port}`;
    const why =
      err.code === 'ECONNREFUSED'
        ? `refused the connection (nothing listens on ${where})`
        : err.code === 'ECONNRESET' || err.code === 'EPIPE'
          ? `closed the connection without answering (${err.code})`
          : `could not be reached: ${err.message}`;
    return `Stage "${this.opts.stage}": its service at ${where} ${why}. Check the stage's app log (stagecraft logs ${this.opts.stage}).`;
  }

  /** A short plain-text answer from the proxy itself. Returns the body's length for the access log. */
  private reply(res: http.ServerResponse, status: number, message: string, origin: string | undefined): number {
    const body = Buffer.from(message + '\n', 'utf8');
    const headers = ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', String(body.length), 'Cache-Control', 'no-store', 'Vary', 'Origin'];
    if (origin) headers.push(...responseCorsHeaders(origin, []));
    res.writeHead(status, headers);
    res.end(body);
    return body.length;
  }

  private logWhenDone(req: http.IncomingMessage, res: http.ServerResponse, bytes: () => number): void {
    const time = new Date();
    let logged = false;
    const write = () => {
      if (logged) return;
      logged = true;
      // 499 (the client went away before an answer) as nginx writes it; Apache has no code for it.
      const status = res.headersSent ? res.statusCode : 499;
      this.accessLog.write(
        combinedLogLine({ remoteAddress: req.socket.remoteAddress, time, method: req.method ?? '-', url: req.url ?? '-', httpVersion: req.httpVersion, status, bytes: bytes(), referer: header(req.headers.referer), userAgent: header(req.headers['user-agent']), origin: header(req.headers.origin) }),
      );
    };
    res.once('finish', write);
    res.once('close', write);
  }

  /** Websockets and other protocol switches: a raw two-way pipe once the service agrees. */
  private tunnel(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const time = new Date();
    const log = (status: number) =>
      this.accessLog.write(
        combinedLogLine({ remoteAddress: req.socket.remoteAddress, time, method: req.method ?? '-', url: req.url ?? '-', httpVersion: req.httpVersion, status, bytes: 0, referer: header(req.headers.referer), userAgent: header(req.headers['user-agent']), origin: header(req.headers.origin) }),
      );
    const refuse = (status: number, text: string, message: string) => {
      log(status);
      const body = Buffer.from(message + '\n', 'utf8');
      // Destroy once written: the server keeps sockets half-open, and this one is done.
      socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString('utf8')}`, () => socket.destroy());
    };
    socket.on('error', () => socket.destroy());
    // Browsers do not apply CORS to websockets, so the origin check happens here (the page's own origin passes).
    const verdict = this.judge(req);
    if (!verdict.ok) {
      refuse(verdict.status, verdict.status === 421 ? 'Misdirected Request' : 'Forbidden', verdict.message);
      return;
    }
    const upstream = this.upstream;
    if (!upstream) {
      refuse(503, 'Service Unavailable', `Stage "${this.opts.stage}" has no running version.`);
      return;
    }
    const upstreamReq = http.request({
      ...connectTo(upstream),
      method: req.method,
      path: req.url,
      headers: upstreamRequestHeaders(req, `${upstream.host}:${upstream.port}`, true) as unknown as http.OutgoingHttpHeaders,
      agent: false,
    });
    upstreamReq.on('upgrade', (upstreamRes, upstreamSocket: Socket, upstreamHead: Buffer) => {
      log(upstreamRes.statusCode ?? 101);
      let head101 = `HTTP/1.1 ${upstreamRes.statusCode} ${upstreamRes.statusMessage}\r\n`;
      const raw = upstreamRes.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) head101 += `${raw[i]}: ${raw[i + 1]}\r\n`;
      socket.write(head101 + '\r\n');
      if (upstreamHead.length) socket.write(upstreamHead);
      if (head.length) upstreamSocket.write(head);
      this.tunnels.add(socket);
      const end = () => {
        this.tunnels.delete(socket);
        socket.destroy();
        upstreamSocket.destroy();
      };
      socket.on('close', end);
      upstreamSocket.on('close', end);
      upstreamSocket.on('error', end);
      upstreamSocket.pipe(socket);
      socket.pipe(upstreamSocket);
    });
    upstreamReq.on('response', upstreamRes => {
      // The service declined the switch: pass its answer on and close.
      log(upstreamRes.statusCode ?? 502);
      let text = `HTTP/1.1 ${upstreamRes.statusCode} ${upstreamRes.statusMessage}\r\n`;
      const { headers } = downstreamResponseHeaders(upstreamRes.rawHeaders);
      for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
      socket.write(text + 'Connection: close\r\n\r\n');
      upstreamRes.pipe(socket);
    });
    upstreamReq.on('error', err => refuse(502, 'Bad Gateway', this.upstreamProblem(upstream, err)));
    socket.on('close', () => upstreamReq.destroy());
    upstreamReq.end();
  }
}

function connectTo(upstream: Upstream): http.RequestOptions {
  return upstream.socketPath ? { socketPath: upstream.socketPath } : { host: upstream.host, port: upstream.port };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
