import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatDuration, parseDuration, runHttpChecks } from '../../../../src/core/pipeline';

describe('synthetic HTTP checks', () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/health') return res.end('ok');
      if (req.url === '/info') return res.end(JSON.stringify({ commit: 'abc123' }));
      if (req.url === '/items' && req.method === 'POST') {
        res.statusCode = 201;
        return res.end('created');
      }
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
      res.statusCode = 404;
      res.end('no');
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise(r => server.close(r));
  });

  it('passes when every check answers the expected status and text', async () => {
    const lines: string[] = [];
    const r = await runHttpChecks(
      base,
      [
        { path: '/health', method: 'GET', expectStatus: 200 },
        { path: '/info', method: 'GET', expectStatus: 200, contains: '"commit":"abc123"' },
        { path: '/items', method: 'POST', expectStatus: 201 },
      ],
      { log: l => lines.push(l) },
    );
    assert.equal(r.status, 'succeeded');
    assert.equal(r.summary, '3 synthetic checks passed');
    assert.equal(lines.length, 3);
    assert.match(lines[2], /^pass POST \/items → 201/);
  });

  it('fails naming each failing check and why', async () => {
    const r = await runHttpChecks(base, [
      { path: '/nope', method: 'GET', expectStatus: 200 },
      { path: '/info', method: 'GET', expectStatus: 200, contains: 'def456' },
      { path: '/health', method: 'GET', expectStatus: 200 },
    ]);
    assert.equal(r.status, 'failed');
    assert.match(r.summary, /^2 of 3 synthetic checks failed: GET \/nope: expected 200, got 404; GET \/info: the body does not contain "def456"/);
  });

  it('reports a refused connection and a timeout as failures, not exceptions', async () => {
    const closed = createServer();
    await new Promise<void>(r => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise(r => closed.close(r));
    const refused = await runHttpChecks(`http://127.0.0.1:${port}`, [{ path: '/health', method: 'GET', expectStatus: 200 }]);
    assert.equal(refused.status, 'failed');
    assert.match(refused.summary, /ECONNREFUSED/);
    const slow = await runHttpChecks(base, [{ path: '/slow', method: 'GET', expectStatus: 200 }], { timeoutMs: 200 });
    assert.match(slow.summary, /no answer within 200 ms/);
  });
});

describe('durations', () => {
  it('parses stagecraft.yaml durations and refuses others', () => {
    assert.equal(parseDuration('7d'), 7 * 24 * 3600 * 1000);
    assert.equal(parseDuration('12h'), 12 * 3600 * 1000);
    assert.equal(parseDuration('30m'), 30 * 60 * 1000);
    assert.equal(parseDuration('45s'), 45_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.throws(() => parseDuration('0s'), /Invalid duration "0s"/);
    assert.throws(() => parseDuration('1 week'), /such as "7d"/);
  });

  it('formats durations for people', () => {
    assert.equal(formatDuration(850), '850 ms');
    assert.equal(formatDuration(12_340), '12.3 s');
    assert.equal(formatDuration(245_000), '4 min 5 s');
    assert.equal(formatDuration(7 * 86_400_000), '7 d');
  });
});
