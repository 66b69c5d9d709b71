import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../../../src/local/runtime/ports';
import { waitForHttp } from '../../../src/local/runtime/waitForHttp';

describe('waitForHttp', () => {
  const servers: http.Server[] = [];
  const serve = (status: number, port = 0) =>
    new Promise<number>(resolve => {
      const server = http.createServer((_req, res) => {
        res.statusCode = status;
        res.end('x');
      });
      servers.push(server);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });

  afterEach(async () => {
    await Promise.all(servers.splice(0).map(s => new Promise(r => s.close(r))));
  });

  it('waits for a server that starts listening late', async () => {
    const port = await freePort();
    setTimeout(() => void serve(200, port), 300);
    const ready = await waitForHttp(`http://127.0.0.1:${port}/health`, { timeoutMs: 5000, intervalMs: 50 });
    assert.equal(ready.status, 200);
    assert.ok(ready.attempts > 1 && ready.elapsedMs >= 250, JSON.stringify(ready));
  });

  it('gives up after the timeout, naming what it waited for and the last answer', async () => {
    const port = await serve(500);
    const started = Date.now();
    await assert.rejects(waitForHttp(`http://127.0.0.1:${port}/health`, { timeoutMs: 600, intervalMs: 50, what: 'the health check of stage "dev"' }), (err: Error) => {
      assert.match(err.message, /^The health check of stage "dev" did not answer/);
      assert.match(err.message, /HTTP 500/);
      return true;
    });
    assert.ok(Date.now() - started < 2000);
  });

  it('accepts the status it is told to expect', async () => {
    const port = await serve(404);
    assert.equal((await waitForHttp(`http://127.0.0.1:${port}/`, { timeoutMs: 1000, expectStatus: [404] })).status, 404);
    await assert.rejects(waitForHttp(`http://127.0.0.1:${port}/`, { timeoutMs: 300, expectStatus: 200 }), /HTTP 404/);
  });

  it('stops waiting when cancelled', async () => {
    const port = await freePort();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    await assert.rejects(waitForHttp(`http://127.0.0.1:${port}/`, { timeoutMs: 10_000, signal: controller.signal }), (err: { cancelled?: boolean }) => err.cancelled === true);
  });
});
