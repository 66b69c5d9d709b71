import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { StagecraftError } from '../../../src/core/errors';
import { withHealthPathHint } from '../../../src/local/stageDeployer';

describe('local: a health check that never passes names the common path that answers', () => {
  let server: http.Server;
  let url: string;
  before(async () => {
    server = http.createServer((req, res) => {
      res.statusCode = req.url === '/ping' ? 200 : 404;
      res.end();
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise(r => server.close(r)));

  it('after a 404 on the configured path, probes the common ones and suggests the one that answers', async () => {
    const err = new StagecraftError('The health check of stage "dev" (GET /health) did not answer as expected within 4 s (last answer HTTP 404, 12 attempts).', { kind: 'failure' });
    const out = (await withHealthPathHint(err, url, '/health')) as StagecraftError;
    assert.match(out.message, /GET \/ping answers 200: the app's health path is probably \/ping\.$/);
    assert.equal(out.hint, 'Set `healthCheck: /ping` under service: in stagecraft.yaml, commit, and run the pipeline again.');
  });

  it('leaves an app that answers 500 (its own verdict) alone', async () => {
    const err = new StagecraftError('… (last answer HTTP 500, 3 attempts).', { kind: 'failure' });
    assert.equal(await withHealthPathHint(err, url, '/health'), err);
  });
});
