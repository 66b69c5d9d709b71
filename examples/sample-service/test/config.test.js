'use strict';
// readConfig and readDatabaseConfig: defaults, the Dockerfile's port, PG_* versus PG_CREDENTIALS_SECRET.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { readConfig, readDatabaseConfig, DEFAULT_PORT } = require('../src/config');

// Generated per run, so no committed file holds anything that looks like a credential.
const password = () => crypto.randomBytes(12).toString('hex');

test('the default port is the one the Dockerfile declares in ENV PORT and EXPOSE', () => {
  const dockerfile = fs.readFileSync(path.join(__dirname, '..', 'Dockerfile'), 'utf8');
  assert.equal(Number(/^ENV PORT=(\d+)$/m.exec(dockerfile)?.[1]), DEFAULT_PORT);
  assert.equal(Number(/^EXPOSE (\d+)$/m.exec(dockerfile)?.[1]), DEFAULT_PORT);
  assert.equal(readConfig({}).port, DEFAULT_PORT);
  assert.equal(readConfig({ PORT: '9123' }).port, 9123);
  assert.throws(() => readConfig({ PORT: 'eighty' }), /PORT must be a port number/);
});

test('commit, stage and greeting come from COMMIT_HASH, STAGE_NAME and GREETING', () => {
  assert.deepEqual(
    (({ commitHash, stage, greeting }) => ({ commitHash, stage, greeting }))(readConfig({ COMMIT_HASH: 'abc123', STAGE_NAME: 'dev', GREETING: 'Hi' })),
    { commitHash: 'abc123', stage: 'dev', greeting: 'Hi' },
  );
  const bare = readConfig({});
  assert.equal(bare.commitHash, null);
  assert.equal(bare.stage, null);
  assert.equal(bare.host, '127.0.0.1');
});

test('no PG_* variables: no database, all four required names reported', () => {
  assert.deepEqual(readDatabaseConfig({}), { missing: ['PG_HOST', 'PG_DATABASE', 'PG_USER', 'PG_PASSWORD'] });
});

test('single PG_* variables give the settings; PG_PORT defaults to 5432', () => {
  const pw = password();
  const env = { PG_HOST: '127.0.0.1', PG_DATABASE: 'app', PG_USER: 'postgres', PG_PASSWORD: pw };
  assert.deepEqual(readDatabaseConfig(env).settings, { host: '127.0.0.1', port: 5432, database: 'app', user: 'postgres', password: pw });
  assert.equal(readDatabaseConfig({ ...env, PG_PORT: '6543' }).settings.port, 6543);
  assert.match(readDatabaseConfig({ ...env, PG_PORT: 'x' }).error, /PG_PORT must be a port number/);
  assert.deepEqual(readDatabaseConfig({ PG_HOST: 'h', PG_USER: 'u' }).missing, ['PG_DATABASE', 'PG_PASSWORD']);
});

test('PG_CREDENTIALS_SECRET alone is enough, and a single PG_* variable overrides one of its fields', () => {
  const pw = password();
  const secret = JSON.stringify({ username: 'postgres', password: pw, host: '127.0.0.1', port: 5433, dbname: 'app' });
  assert.deepEqual(readDatabaseConfig({ PG_CREDENTIALS_SECRET: secret }).settings, { host: '127.0.0.1', port: 5433, database: 'app', user: 'postgres', password: pw });
  assert.equal(readDatabaseConfig({ PG_CREDENTIALS_SECRET: secret, PG_DATABASE: 'other' }).settings.database, 'other');
});

test('a PG_CREDENTIALS_SECRET that is not JSON is an error that does not repeat the secret', () => {
  const pw = password();
  const result = readDatabaseConfig({ PG_CREDENTIALS_SECRET: `username=postgres password=${pw}` });
  assert.match(result.error, /PG_CREDENTIALS_SECRET is not a JSON object/);
  assert.ok(!result.error.includes(pw));
});
