import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs, mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { StagecraftError } from '../../../src/core/errors';
import { StageProxy } from '../../../src/local/proxy';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real upstream on 127.0.0.1 that answers with `handler`, recording what it saw. */
async function startUpstream(handler: http.RequestListener): Promise<{ server: http.Server; port: number; seen: http.IncomingMessage[] }> {
  const seen: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

function request(port: number, options: http.RequestOptions & { body?: string | Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, ...options }, res => {
      const chunks: Buffer[] = [];
      res.on('data', c => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A free port nothing listens on (listen, note, close). */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>(r => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise(r => s.close(r));
  return port;
}

const COMBINED = /^(\S+) (\S+) (\S+) \[(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-]\d{4})\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"$/;

describe('local/proxy StageProxy', function () {
  this.timeout(20_000);
  let dir: string;
  const closers: Array<() => Promise<unknown>> = [];

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'stagecraft-proxy-'));
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  async function proxyFor(options: Partial<ConstructorParameters<typeof StageProxy>[0]> = {}): Promise<StageProxy> {
    const proxy = new StageProxy({ stage: 'dev', port: 0, origins: [], accessLog: path.join(dir, 'access.log'), drainTimeoutMs: 3000, ...options });
    await proxy.listen();
    closers.push(() => proxy.close());
    return proxy;
  }

  async function upstream(handler: http.RequestListener) {
    const u = await startUpstream(handler);
    closers.push(() => {
      u.server.closeAllConnections();
      return new Promise(r => u.server.close(r));
    });
    return u;
  }

  it('reaches a version through a Unix socket (a version in its own network namespace), keeping its Host', async () => {
    const socketPath = path.join(dir, 'version.sock');
    const seen: Array<string | undefined> = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers.host);
      res.end(`via socket ${req.method} ${req.url}`);
    });
    await new Promise<void>(r => server.listen(socketPath, r));
    closers.push(() => new Promise(r => server.close(r)));
    const proxy = await proxyFor();
    await proxy.setUpstream({ host: '127.0.0.1', port: 8000, socketPath });
    const reply = await request(proxy.port, { path: '/items?x=1' });
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'via socket GET /items?x=1');
    assert.deepEqual(seen, [`127.0.0.1:${proxy.port}`]);
    // The socket gone (the version stopped): 502 naming it, not a hang.
    server.closeAllConnections();
    await new Promise(r => server.close(r));
    const gone = await request(proxy.port, { path: '/' });
    assert.equal(gone.status, 502);
    assert.match(gone.body, /in its network namespace, through .*version\.sock/);
  });

  it('answers 503 naming the stage when no version runs', async () => {
    const proxy = await proxyFor();
    assert.ok(proxy.port > 0);
    const r = await request(proxy.port, { path: '/health' });
    assert.equal(r.status, 503);
    assert.match(r.body, /Stage "dev" has no running version/);
  });

  it('answers 502 naming the stage when the service refuses the connection', async () => {
    const proxy = await proxyFor();
    const port = await closedPort();
    await proxy.setUpstream({ host: '127.0.0.1', port });
    const r = await request(proxy.port, { path: '/' });
    assert.equal(r.status, 502);
    assert.match(r.body, new RegExp(`Stage "dev": its service at 127.0.0.1:${port} refused the connection`));
  });

  it('answers 502 when the service resets the connection', async () => {
    const u = await upstream(req => req.socket.destroy());
    const proxy = await proxyFor();
    await proxy.setUpstream({ host: '127.0.0.1', port: u.port });
    const r = await request(proxy.port, { path: '/', method: 'POST', body: 'x' });
    assert.equal(r.status, 502);
    assert.match(r.body, /Stage "dev".*closed the connection without answering/);
  });

  it('forwards method, path, headers and adds X-Forwarded-*', async () => {
    const u = await upstream((req, res) => {
      res.setHeader('X-Upstream', 'yes');
      res.end(`${req.method} ${req.url}`);
    });
    const proxy = await proxyFor();
    await proxy.setUpstream({ host: '127.0.0.1', port: u.port });
    const r = await request(proxy.port, { path: '/a/b?c=1', method: 'DELETE', headers: { 'X-Custom': 'v', 'X-Forwarded-For': '10.0.0.9', 'X-Forwarded-Proto': 'https' } });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'DELETE /a/b?c=1');
    assert.equal(r.headers['x-upstream'], 'yes');
    const seen = u.seen[0].headers;
    assert.equal(seen['x-custom'], 'v');
    assert.equal(seen['x-forwarded-for'], '10.0.0.9, 127.0.0.1');
    assert.equal(seen['x-forwarded-proto'], 'http');
    assert.equal(seen['x-forwarded-host'], `127.0.0.1:${proxy.port}`);
    assert.equal(seen.host, `127.0.0.1:${proxy.port}`, 'Host is kept so the service sees its stable URL');
  });

  it('streams large and chunked bodies both ways without changing a byte', async () => {
    // The service hashes what it receives and streams back a large chunked body.
    const u = await upstream((req, res) => {
      const hash = createHash('sha256');
      let size = 0;
      req.on('data', c => {
        hash.update(c);
        size += c.length;
      });
      req.on('end', () => {
        res.writeHead(200, { 'X-Received': `${size}:${hash.digest('hex')}` });
        let sent = 0;
        const block = Buffer.alloc(64 * 1024, 7);
        const pump = () => {
          while (sent < 8 * 1024 * 1024) {
            sent += block.length;
            if (!res.write(block)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      });
    });
    const proxy = await proxyFor();
    await proxy.setUpstream({ host: '127.0.0.1', port: u.port });

    const upload = Buffer.alloc(12 * 1024 * 1024);
    for (let i = 0; i < upload.length; i += 4096) upload[i] = i % 251;
    const expected = `${upload.length}:${createHash('sha256').update(upload).digest('hex')}`;
    const result = await new Promise<{ received: string; size: number; chunked: boolean }>((resolve, reject) => {
      // No Content-Length: Node sends the body chunked.
      const req = http.request({ host: '127.0.0.1', port: proxy.port, method: 'PUT', path: '/upload' }, res => {
        let size = 0;
        res.on('data', c => (size += c.length));
        res.on('end', () => resolve({ received: String(res.headers['x-received']), size, chunked: res.headers['transfer-encoding'] === 'chunked' }));
      });
      req.on('error', reject);
      for (let i = 0; i < upload.length; i += 1024 * 1024) req.write(upload.subarray(i, i + 1024 * 1024));
      req.end();
    });
    assert.equal(u.seen[0].headers['transfer-encoding'], 'chunked');
    assert.equal(result.received, expected);
    assert.equal(result.size, 8 * 1024 * 1024);
    assert.ok(result.chunked);
  });

  it('CORS: an allowed origin gets its origin back, others are refused with 403 and no CORS headers, the service cannot widen it', async () => {
    const u = await upstream((_req, res) => {
      // A permissive service: the proxy must drop all of this.
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Access-Control-Allow-Methods', 'GET');
      res.setHeader('Vary', 'Accept-Encoding');
      res.setHeader('X-Commit', 'abc123');
      res.end('ok');
    });
    const proxy = await proxyFor();
    await proxy.setUpstream({ host: '127.0.0.1', port: u.port });

    const local = await request(proxy.port, { headers: { Origin: 'http://localhost:3000' } });
    assert.equal(local.status, 200);
    assert.equal(local.headers['access-control-allow-origin'], 'http://localhost:3000');
    assert.equal(local.headers['access-control-allow-credentials'], 'true');
    assert.match(String(local.headers['access-control-expose-headers']), /x-commit/);
    assert.equal(local.headers['access-control-allow-methods'], undefined);
    assert.equal(local.headers.vary, 'Accept-Encoding, Origin');

    const foreign = await request(proxy.port, { headers: { Origin: 'https://evil.example.com' } });
    assert.equal(foreign.status, 403, 'even a simple GET from a refused origin is not forwarded');
    assert.match(foreign.body, /Stage "dev" does not allow requests from origin https:\/\/evil\.example\.com/);
    for (const name of Object.keys(foreign.headers)) assert.ok(!name.startsWith('access-control-'), `unexpected ${name}`);
    assert.equal(foreign.headers.vary, 'Origin');
    assert.equal(u.seen.length, 1, 'only the allowed request reached the service');

    proxy.setOrigins(['https://app.example.com']);
    const listed = await request(proxy.port, { headers: { Origin: 'https://app.example.com' } });
    assert.equal(listed.headers['access-control-allow-origin'], 'https://app.example.com');
    const nowLocal = await request(proxy.port, { headers: { Origin: 'http://localhost:3000' } });
    assert.equal(nowLocal.status, 403, 'an explicit list replaces the localhost default');
    assert.equal(nowLocal.headers['access-control-allow-origin'], undefined);
  });

  it('a refused origin is never forwarded, whatever the method and content type; no Origin and the stage\'s own origin pass', async () => {
    const u = await upstream((req, res) => {
      req.resume();
      req.on('end', () => res.end('written'));
    });
    const proxy = await proxyFor({ origins: ['https://app.example.com'] });
    await proxy.setUpstream({ host: '127.0.0.1', port: u.port });
    const evil = 'https://evil.example.com';
    const attempts: Array<http.RequestOptions & { body?: string }> = [
      { method: 'POST', path: '/items', headers: { Origin: evil, 'Content-Type': 'text/plain' }, body: 'name=x' },
      { method: 'POST', path: '/items', headers: { Origin: evil, 'Content-Type': 'application/json' }, body: '{"name":"x"}' },
      { method: 'POST', path: '/items', headers: { Origin: evil, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'name=x' },
      { method: 'PUT', path: '/items/1', headers: { Origin: evil, 'Content-Type': 'application/json' }, body: '{}' },
      { method: 'DELETE', path: '/items/1', headers: { Origin: evil } },
      { method: 'GET', path: '/items', headers: { Origin: 'null' } },
    ];
    for (const a of attempts) {
      const r = await request(proxy.port, a);
      assert.equal(r.status, 403, `${a.method} ${JSON.stringify(a.headers)}`);
      assert.match(r.body, /does not allow requests from origin .*The request was not forwarded/);
    }
    assert.equal(u.seen.length, 0, 'no refused request reached the service');

    assert.equal((await request(proxy.port, { method: 'POST', path: '/items', headers: { 'Content-Type': 'text/plain' }, body: 'x' })).status, 200, 'no Origin (curl, server to server) passes');
    const allowed = await request(proxy.port, { method: 'POST', path: '/items', headers: { Origin: 'https://app.example.com', 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.example.com');
    const own = await request(proxy.port, { method: 'POST', path: '/form', headers: { Origin: `http://127.0.0.1:${proxy.port}`, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
    assert.equal(own.status, 200, "a page the stage serves may post to it (the browser sends the stage's own origin)");
    assert.equal(own.headers['access-control-allow-origin'], undefined, 'same origin needs no CORS headers');
    assert.equal(u.seen.length, 3);
  });

  it('answers only to its own host names (DNS rebinding): others get 421 with a message and are not forwarded', async () => {
    const u = await upstream((_req, res) => res.end('ok'));
    const proxy = await proxyFor({ hosts: ['shop.test'] });
    await proxy.setUpstream({ host: '127.0.0.1', port: u.port });
    for (const host of [`127.0.0.1:${proxy.port}`, `localhost:${proxy.port}`, `LOCALHOST:${proxy.port}`, `[::1]:${proxy.port}`, `shop.localhost:${proxy.port}`, 'shop.test', `shop.test:${proxy.port}`]) {
      assert.equal((await request(proxy.port, { headers: { Host: host } })).status, 200, host);
    }
    for (const host of ['evil.example.com', `evil.example.com:${proxy.port}`, `127.0.0.1:${proxy.port + 1}`, `localhost.evil.example.com:${proxy.port}`, `shop.localhost.evil.example.com:${proxy.port}`, `shop.localhost:${proxy.port + 1}`]) {
      const r = await request(proxy.port, { headers: { Host: host } });
      assert.equal(r.status, 421, host);
      assert.match(r.body, new RegExp(`Stage "dev" answers only to 127\\.0\\.0\\.1:${proxy.port}, localhost:${proxy.port}`));
    }
    assert.equal(u.seen.length, 7, 'no request for another host reached the service');
  });

  it('CORS preflight: 204 for an allowed origin, 403 without CORS headers for another, never forwarded', async () => {
    const u = await upstream((_req, res) => res.end('service'));
    const proxy = await proxyFor({ origins: ['https://app.example.com'] });
    await proxy.setUpstream({ host: '127.0.0.1', port: u.port });
    const preflight = (origin: string) =>
      request(proxy.port, { method: 'OPTIONS', path: '/api/items', headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type, x-token' } });

    const ok = await preflight('https://app.example.com');
    assert.equal(ok.status, 204);
    assert.equal(ok.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.match(String(ok.headers['access-control-allow-methods']), /\bPUT\b/);
    assert.equal(ok.headers['access-control-allow-headers'], 'content-type, x-token');
    assert.equal(ok.headers['access-control-max-age'], '600');
    assert.match(String(ok.headers.vary), /Origin/);

    const denied = await preflight('https://other.example.com');
    assert.equal(denied.status, 403);
    assert.match(denied.body, /Stage "dev" does not allow requests from origin https:\/\/other\.example\.com/);
    for (const name of Object.keys(denied.headers)) assert.ok(!name.startsWith('access-control-'), `unexpected ${name}`);

    const plainOptions = await request(proxy.port, { method: 'OPTIONS', path: '/' });
    assert.equal(plainOptions.body, 'service', 'an OPTIONS that is not a preflight goes to the service');
    assert.equal(u.seen.length, 1, 'preflights never reach the service');
  });

  it('writes one Apache combined line per request, when the response finishes', async () => {
    const u = await upstream((req, res) => {
      if (req.url === '/missing') {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.end('hello world');
    });
    const logFile = path.join(dir, 'logs', 'dev-access.log');
    const proxy = await proxyFor({ accessLog: logFile });
    await proxy.setUpstream({ host: '127.0.0.1', port: u.port });
    await request(proxy.port, { path: '/hello?x=1', headers: { Referer: 'http://localhost:5173/page', 'User-Agent': 'test "agent" ü', Origin: 'http://localhost:5173' } });
    await request(proxy.port, { path: '/missing', method: 'HEAD' });
    await proxy.setUpstream(undefined);
    await request(proxy.port, { path: '/down' });
    await proxy.close();

    const lines = (await fs.readFile(logFile, 'utf8')).trimEnd().split('\n');
    assert.equal(lines.length, 3);
    const parsed = lines.map(l => {
      const m = COMBINED.exec(l);
      assert.ok(m, `not combined format: ${l}`);
      return m;
    });
    const [first, second, third] = parsed;
    assert.equal(first[1], '127.0.0.1');
    assert.equal(first[2], '-');
    assert.equal(first[3], '-');
    const stamp = new Date(`${first[5]} ${first[4]}, ${first[6]} ${first[7]}:${first[8]}:${first[9]} ${first[10]}`);
    assert.ok(Math.abs(stamp.getTime() - Date.now()) < 60_000, `time ${first[0]}`);
    assert.equal(first[11], 'GET /hello?x=1 HTTP/1.1');
    assert.equal(first[12], '200');
    assert.equal(first[13], '11');
    assert.equal(first[14], 'http://localhost:5173/page');
    assert.equal(first[15], 'test \\"agent\\" \\xc3\\xbc');
    assert.equal(first[16], 'http://localhost:5173', 'the Origin is recorded');
    assert.deepEqual([second[11], second[12], second[13], second[14], second[15], second[16]], ['HEAD /missing HTTP/1.1', '404', '-', '-', '-', '-']);
    assert.equal(third[12], '503');
    assert.ok(Number(third[13]) > 0);
  });

  it('rotates the access log by size', async () => {
    const u = await upstream((_req, res) => res.end('x'));
    const logFile = path.join(dir, 'access.log');
    const proxy = await proxyFor({ accessLog: logFile, maxAccessLogBytes: 2000 });
    await proxy.setUpstream({ host: '127.0.0.1', port: u.port });
    for (let i = 0; i < 60; i++) await request(proxy.port, { path: `/item/${i}` });
    await proxy.close();
    const names = (await fs.readdir(dir)).filter(n => n.startsWith('access.log')).sort();
    assert.ok(names.includes('access.log.1'), names.join());
    let total = 0;
    for (const name of names) {
      const text = await fs.readFile(path.join(dir, name), 'utf8');
      assert.ok(text.length <= 2000, `${name} is ${text.length} bytes`);
      for (const line of text.trimEnd().split('\n')) {
        assert.match(line, COMBINED);
        total++;
      }
    }
    assert.ok(names.includes('access.log.2'), 'several rotations: ' + names.join());
    assert.equal(total, 60, 'every request logged once across the kept files');
    assert.match(await fs.readFile(logFile, 'utf8'), /GET \/item\/59 /, 'the newest line is in the current file');
  });

  it('blue/green: switching under concurrent load, then stopping the old version, loses no request', async () => {
    const version = (name: string) => (req: http.IncomingMessage, res: http.ServerResponse) => {
      // A little work so requests overlap the switch.
      setTimeout(() => res.end(name), Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? 0));
    };
    const versions = [await upstream(version('v1')), await upstream(version('v2')), await upstream(version('v3')), await upstream(version('v4'))];
    const proxy = await proxyFor();
    await proxy.setUpstream({ host: '127.0.0.1', port: versions[0].port });

    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    closers.push(async () => agent.destroy());
    const total = 800;
    let next = 0;
    const failures: string[] = [];
    const answers = new Map<string, number>();
    const worker = async () => {
      while (next < total) {
        const i = next++;
        try {
          const r = await request(proxy.port, { path: `/?i=${i}&ms=${i % 3}`, agent });
          if (r.status !== 200) failures.push(`${i}: ${r.status} ${r.body}`);
          else answers.set(r.body, (answers.get(r.body) ?? 0) + 1);
        } catch (err) {
          failures.push(`${i}: ${(err as Error).message}`);
        }
      }
    };
    const load = Promise.all(Array.from({ length: 16 }, worker));
    for (let v = 1; v < versions.length; v++) {
      while (next < v * (total / 4)) await new Promise(r => setTimeout(r, 2));
      await proxy.setUpstream({ host: '127.0.0.1', port: versions[v].port });
      // Drained: the old version can go, connections and all.
      const old = versions[v - 1].server;
      old.closeAllConnections();
      await new Promise(r => old.close(r));
    }
    await load;
    assert.deepEqual(failures, []);
    assert.equal([...answers.values()].reduce((a, b) => a + b, 0), total);
    assert.deepEqual([...answers.keys()].sort(), ['v1', 'v2', 'v3', 'v4'], JSON.stringify([...answers]));
  });

  it('setUpstream resolves only when requests to the old version have finished', async () => {
    const old = await upstream((_req, res) => setTimeout(() => res.end('old'), 400));
    const fresh = await upstream((_req, res) => res.end('new'));
    const proxy = await proxyFor();
    await proxy.setUpstream({ host: '127.0.0.1', port: old.port });
    let slowDone = 0;
    const slow = request(proxy.port, { path: '/slow' }).then(r => {
      slowDone = Date.now();
      return r;
    });
    while (old.seen.length === 0) await new Promise(r => setTimeout(r, 5));
    await proxy.setUpstream({ host: '127.0.0.1', port: fresh.port });
    const drained = Date.now();
    assert.equal((await request(proxy.port, { path: '/' })).body, 'new');
    assert.equal((await slow).body, 'old');
    assert.ok(slowDone > 0 && slowDone <= drained + 5, 'the old request finished before setUpstream resolved');
  });

  it('setUpstream gives up waiting after drainTimeoutMs', async () => {
    const stuck = await upstream(() => undefined);
    const fresh = await upstream((_req, res) => res.end('new'));
    const proxy = await proxyFor({ drainTimeoutMs: 300 });
    await proxy.setUpstream({ host: '127.0.0.1', port: stuck.port });
    const hanging = request(proxy.port, { path: '/never' });
    while (stuck.seen.length === 0) await new Promise(r => setTimeout(r, 5));
    const t = Date.now();
    await proxy.setUpstream({ host: '127.0.0.1', port: fresh.port });
    const waited = Date.now() - t;
    assert.ok(waited >= 280 && waited < 2000, `waited ${waited} ms`);
    const cut = await hanging;
    assert.equal(cut.status, 502, 'the stuck request is cut once the old pool closes');
    assert.match(cut.body, /Stage "dev"/);
  });

  it('sends a bodyless request again when a pooled connection was closed by the service just as it was reused', async () => {
    // A minimal HTTP/1.1 service that drops connections idle for 10 ms and, unlike Node, sends no
    // Keep-Alive hint, so the proxy's pool cannot know: requests ~10 ms apart race the close.
    const server = net.createServer(sock => {
      let idle: NodeJS.Timeout | undefined;
      const arm = () => {
        clearTimeout(idle);
        idle = setTimeout(() => sock.destroy(), 10);
      };
      arm();
      let buffered = '';
      sock.on('data', d => {
        buffered += d;
        while (buffered.includes('\r\n\r\n')) {
          buffered = buffered.slice(buffered.indexOf('\r\n\r\n') + 4);
          sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
          arm();
        }
      });
      sock.on('error', () => undefined);
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise(r => server.close(r)));
    const proxy = await proxyFor();
    await proxy.setUpstream({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) {
      statuses.push((await request(proxy.port, { path: '/', agent: false })).status);
      await new Promise(r => setTimeout(r, 8 + (i % 6)));
    }
    assert.deepEqual(statuses.filter(s => s !== 200), []);
  });

  it('proxies a websocket-style upgrade both ways, and refuses a foreign origin', async () => {
    const u = await upstream((_req, res) => res.end());
    u.server.on('upgrade', (_req, socket: Socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
      socket.on('data', d => socket.write(`echo:${d}`));
      socket.on('end', () => socket.end());
    });
    const proxy = await proxyFor();
    await proxy.setUpstream({ host: '127.0.0.1', port: u.port });
    const open = (origin: string) =>
      new Promise<{ status: number; socket?: Socket }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: proxy.port, path: '/ws', headers: { Connection: 'Upgrade', Upgrade: 'echo', Origin: origin } });
        req.on('upgrade', (res, socket) => resolve({ status: res.statusCode ?? 0, socket }));
        req.on('response', res => {
          res.resume();
          resolve({ status: res.statusCode ?? 0 });
        });
        req.on('error', reject);
        req.end();
      });
    const ok = await open('http://localhost:8080');
    assert.equal(ok.status, 101);
    const echoed = await new Promise<string>(resolve => {
      ok.socket!.once('data', d => resolve(String(d)));
      ok.socket!.write('ping');
    });
    assert.equal(echoed, 'echo:ping');
    ok.socket!.destroy();
    assert.equal((await open('https://evil.example.com')).status, 403);
  });

  it('reports a port in use as an error naming the stage', async () => {
    const first = await proxyFor();
    const second = new StageProxy({ stage: 'test', port: first.port, origins: [], accessLog: path.join(dir, 'b.log') });
    closers.push(() => second.close());
    await assert.rejects(second.listen(), (err: unknown) => err instanceof StagecraftError && /Stage "test": port \d+ on 127\.0\.0\.1 is already in use/.test(err.message));
  });
});
