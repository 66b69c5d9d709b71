'use strict';
// /health, /info and routing, against the service started as a process on an ephemeral port.
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { SERVICE_ROOT, startService, request, stopAll } = require('../test-support/harness');
const { version } = require('../package.json');

after(stopAll);

test('GET /health answers 200 with JSON', async () => {
  const service = await startService();
  const res = await request(service.url, '/health');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(res.body, { status: 'ok' });
  await service.stop();
});

test('GET /info reports the commit, stage, version and the greeting a stage set', async () => {
  const service = await startService({ env: { COMMIT_HASH: '0123abcd', STAGE_NAME: 'test', GREETING: 'Hello from the test stage' } });
  const res = await request(service.url, '/info');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, {
    service: 'sample-service',
    version,
    commitHash: '0123abcd',
    stage: 'test',
    greeting: 'Hello from the test stage',
    database: null,
  });
  assert.match(service.output(), /stage test, commit 0123abcd/);
  await service.stop();
});

test('GET /info without COMMIT_HASH or STAGE_NAME says null rather than inventing values', async () => {
  const service = await startService();
  const { body } = await request(service.url, '/info');
  assert.equal(body.commitHash, null);
  assert.equal(body.stage, null);
  assert.equal(body.greeting, 'Hello');
  await service.stop();
});

test('unknown routes answer 404 and wrong methods 405 with an Allow header, both as JSON', async () => {
  const service = await startService();
  const missing = await request(service.url, '/nope');
  assert.equal(missing.status, 404);
  assert.match(missing.body.error, /no route \/nope/);
  const wrong = await request(service.url, '/health', { method: 'DELETE' });
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get('allow'), 'GET');
  const items = await request(service.url, '/items', { method: 'PUT', json: {} });
  assert.equal(items.headers.get('allow'), 'GET, POST');
  await service.stop();
});

test('a PORT that is not a number stops the service with a clear message and exit code 2', () => {
  const run = spawnSync(process.execPath, [path.join(SERVICE_ROOT, 'src', 'main.js')], { env: { PATH: process.env.PATH, PORT: 'eighty' }, encoding: 'utf8', timeout: 10_000 });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /PORT must be a port number \(0-65535\), got "eighty"/);
});
