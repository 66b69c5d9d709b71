import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { checkRetryMs, checkWithBackoff } from '../../../src/aws/checks';

/** A real HTTP server that starts answering 200 only after a few requests (a new load balancer's targets). */
describe('aws checks: retry with backoff until healthy or out of time', () => {
  let server: Server;
  let port = 0;
  let hits: string[] = [];
  let healthyAfter = 3;
  before(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.statusCode = hits.length >= healthyAfter ? 200 : 503;
      res.end('ok');
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });
  beforeEach(() => (hits = []));
  after(() => server.close());

  it('passes once the stage answers, under its path prefix', async () => {
    healthyAfter = 3;
    const lines: string[] = [];
    const out = await checkWithBackoff(`http://127.0.0.1:${port}/dev/`, [{ path: '/healthz', method: 'GET', expectStatus: 200 }], { forMs: 5_000, firstDelayMs: 20, log: l => lines.push(l) });
    assert.equal(out.status, 'succeeded');
    assert.match(out.summary, /attempt 3/);
    assert.deepEqual(hits, ['/dev/healthz', '/dev/healthz', '/dev/healthz']);
    assert.equal(lines.filter(l => /trying again/.test(l)).length, 2);
  });

  it('fails after the time is up, saying how long it tried', async () => {
    healthyAfter = 1_000;
    const out = await checkWithBackoff(`http://127.0.0.1:${port}/`, [{ path: '/healthz', method: 'GET', expectStatus: 200 }], { forMs: 150, firstDelayMs: 20 });
    assert.equal(out.status, 'failed');
    assert.match(out.summary, /expected 200, got 503 — still failing after \d+ attempts over 0 s/);
    assert.ok(hits.length >= 2);
  });

  it('the budget: 2 minutes by default, the provider option, STAGECRAFT_AWS_CHECK_SECONDS first', () => {
    assert.equal(checkRetryMs(undefined, {}), 120_000);
    assert.equal(checkRetryMs(30_000, {}), 30_000);
    assert.equal(checkRetryMs(30_000, { STAGECRAFT_AWS_CHECK_SECONDS: '5' }), 5_000);
  });
});
