'use strict';
// /items without a usable database: 503 with a message that says what to set, never the password.
// Also: /health and /info work from a copy of the service that has no node_modules (pg is lazy).
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { SERVICE_ROOT, startService, request, stopAll } = require('../test-support/harness');

const tempDirs = [];
after(async () => {
  await stopAll();
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

// Generated per run, so no committed file holds anything that looks like a credential.
const fakePassword = () => `fake-${crypto.randomBytes(9).toString('hex')}`;

/** A port nothing listens on: bound, read, released. */
async function unusedPort() {
  const server = net.createServer();
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise(resolve => server.close(resolve));
  return port;
}

test('GET and POST /items answer 503 naming the PG_* variables when none are set', async () => {
  const service = await startService();
  for (const method of ['GET', 'POST']) {
    const res = await request(service.url, '/items', { method, json: method === 'POST' ? { name: 'x' } : undefined });
    assert.equal(res.status, 503, method);
    assert.match(res.body.error, /no database configured: set PG_HOST, PG_DATABASE, PG_USER, PG_PASSWORD \(or PG_CREDENTIALS_SECRET\)/);
  }
  await service.stop();
});

test('incomplete PG_* settings are reported by name at start and on /items, without the password', async () => {
  const pw = fakePassword();
  const service = await startService({ env: { PG_HOST: '127.0.0.1', PG_PASSWORD: pw } });
  assert.match(service.output(), /database none \(incomplete: set PG_DATABASE, PG_USER\)/);
  const res = await request(service.url, '/items');
  assert.equal(res.status, 503);
  assert.match(res.body.error, /set PG_DATABASE, PG_USER/);
  await service.stop();
  assert.ok(!service.output().includes(pw), 'the password must never be logged');
});

test('a database that refuses connections gives 503 on /items while /health stays 200; the password is never logged', async () => {
  const pw = fakePassword();
  const port = await unusedPort();
  const secret = JSON.stringify({ username: 'postgres', password: pw, host: '127.0.0.1', port, dbname: 'app' });
  const service = await startService({ env: { PG_CREDENTIALS_SECRET: secret } });
  assert.match(service.output(), new RegExp(`database postgres postgres@127\\.0\\.0\\.1:${port}/app`));
  const res = await request(service.url, '/items', { method: 'POST', json: { name: 'first' } });
  assert.equal(res.status, 503);
  assert.match(res.body.error, new RegExp(`database 127\\.0\\.0\\.1:${port}/app unavailable`));
  assert.equal((await request(service.url, '/health')).status, 200);
  await service.stop();
  assert.ok(!service.output().includes(pw), 'the password must never be logged');
  assert.ok(!JSON.stringify(res.body).includes(pw));
});

test('a copy without node_modules serves /health and /info, and /items says to install pg', async t => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sample-service-bare-'));
  tempDirs.push(dir);
  fs.cpSync(path.join(SERVICE_ROOT, 'src'), path.join(dir, 'src'), { recursive: true });
  fs.copyFileSync(path.join(SERVICE_ROOT, 'package.json'), path.join(dir, 'package.json'));
  try {
    require.resolve('pg', { paths: [dir] });
    t.skip(`pg is resolvable from ${dir} (a node_modules above it), so this copy cannot show the lazy require`);
    return;
  } catch {
    // expected: no pg anywhere above the copy
  }
  const pw = fakePassword();
  const service = await startService({ root: dir, env: { PG_HOST: '127.0.0.1', PG_PORT: String(await unusedPort()), PG_DATABASE: 'app', PG_USER: 'postgres', PG_PASSWORD: pw } });
  assert.equal((await request(service.url, '/health')).status, 200);
  const info = await request(service.url, '/info');
  assert.equal(info.status, 200);
  assert.equal(info.body.database, 'postgres');
  const items = await request(service.url, '/items');
  assert.equal(items.status, 503);
  assert.match(items.body.error, /the "pg" package is not installed: run `npm ci`/);
  await service.stop();
  assert.ok(!service.output().includes(pw));
});

test('npm run migrate without a database has nothing to do (exit 0); incomplete settings are an error (exit 2)', () => {
  const migrate = env => spawnSync(process.execPath, [path.join(SERVICE_ROOT, 'scripts', 'migrate.js')], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 10_000 });
  const none = migrate({});
  assert.equal(none.status, 0);
  assert.match(none.stdout, /no database configured \(PG_\* not set\); nothing to do/);
  const pw = fakePassword();
  const partial = migrate({ PG_HOST: '127.0.0.1', PG_PASSWORD: pw });
  assert.equal(partial.status, 2);
  assert.match(partial.stderr, /incomplete database settings: set PG_DATABASE, PG_USER/);
  assert.ok(!(partial.stdout + partial.stderr).includes(pw));
});
