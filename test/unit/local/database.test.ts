import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import { stateDir } from '../../../src/core/workspace';
import { StagecraftError } from '../../../src/core/errors';
import { redactor } from '../../../src/core/redact';
import {
  databaseEnv,
  destroyStageDatabase,
  ensureStageDatabase,
  readStageDatabaseSecret,
  rotateStageDatabasePassword,
  stageDatabasePaths,
  stageDatabaseStatus,
  stopStageDatabase,
  type DatabaseSecret,
} from '../../../src/local/database';

// The folder, so the child loads index.ts under tsx and index.js when the tests run compiled.
const MODULE = path.resolve(__dirname, '../../../src/local/database');
const TSX = require.resolve('tsx/cjs');

/** The process is gone or a zombie (exited, waiting for init to reap it). */
function hasExited(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
}

describe('local/database: one PostgreSQL server per stage', function () {
  this.timeout(30_000);
  let root: string;
  const extraRoots: string[] = [];
  const stages = new Set<string>();
  const lines: string[] = [];
  const passwords = new Set<string>();

  async function ensure(stage: string): Promise<DatabaseSecret> {
    stages.add(stage);
    const secret = await ensureStageDatabase(root, stage, { log: l => lines.push(l) });
    passwords.add(secret.password);
    return secret;
  }

  async function query(secret: DatabaseSecret, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
    const client = new pg.Client({ host: secret.host, port: secret.port, user: secret.username, password: secret.password, database: secret.database });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await client.query(sql, params);
    } finally {
      await client.end();
    }
  }

  /** Runs ensureStageDatabase in a separate node process; with `kill`, that process then dies by SIGKILL. */
  function ensureInChild(stage: string, mode: 'exit' | 'kill'): Promise<{ port: number; code: number | null; signal: NodeJS.Signals | null; log: string[] }> {
    stages.add(stage);
    const code = `require(${JSON.stringify(MODULE)}).ensureStageDatabase(${JSON.stringify(root)}, ${JSON.stringify(stage)}, { log: l => console.error(l) })
      .then(s => { process.stdout.write(JSON.stringify({ port: s.port }) + '\\n', () => { if (${mode === 'kill'}) process.kill(process.pid, 'SIGKILL'); }); })
      .catch(e => { console.error(e.message); process.exit(3); });`;
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--require', TSX, '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', d => (out += d));
      child.stderr.on('data', d => (err += d));
      child.on('error', reject);
      // 'close' waits for the child's pipes: it would hang if the server had inherited them.
      child.on('close', (code, signal) => {
        const line = out.trim().split('\n').pop();
        if (!line) return reject(new Error(`child failed (${code ?? signal}): ${err}`));
        const log = err.split('\n').filter(Boolean);
        lines.push(...log);
        resolve({ port: (JSON.parse(line) as { port: number }).port, code, signal, log });
      });
    });
  }

  async function startTime(secret: DatabaseSecret): Promise<string> {
    return String((await query(secret, 'SELECT pg_postmaster_start_time()::text AS t')).rows[0].t);
  }

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-db-'));
    // As root the server runs as the postgres user, which must be able to enter the workspace.
    await chmod(root, 0o755);
  });

  after(async function () {
    this.timeout(30_000);
    const pids: number[] = [];
    for (const stage of stages) {
      const status = await stageDatabaseStatus(root, stage).catch(() => undefined);
      if (status?.pid) pids.push(status.pid);
      await destroyStageDatabase(root, stage).catch(() => undefined);
    }
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already stopped, as it should be */
      }
    }
    await rm(root, { recursive: true, force: true });
    for (const r of extraRoots) await rm(r, { recursive: true, force: true });
  });

  it('creates the database on first use; a client connects with the saved secret', async () => {
    const secret = await ensure('dev');
    assert.equal(secret.host, '127.0.0.1');
    assert.equal(secret.username, 'postgres');
    assert.equal(secret.database, 'dev');
    assert.ok(secret.password.length >= 32, 'a strong generated password');
    const row = (await query(secret, 'SELECT current_database() AS db, current_user AS usr')).rows[0];
    assert.deepEqual(row, { db: 'dev', usr: 'postgres' });

    assert.deepEqual(await readStageDatabaseSecret(root, 'dev'), secret);
    const file = stageDatabasePaths(root, 'dev').secretFile;
    // Tests run without the OS credential store (STAGECRAFT_KEYRING=off): the 0600 file in the state folder, outside the repository.
    assert.equal(file, path.join(stateDir(root), 'secrets', 'dev.json'));
    assert.ok(!file.startsWith(root));
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal(redactor.redact(`pw ${secret.password}`).includes(secret.password), false, 'the password is registered with the redactor');
    assert.equal(await readStageDatabaseSecret(root, 'nothing-here'), undefined);
  });

  it('gives the app PG_* variables and a Secrets Manager shaped PG_CREDENTIALS_SECRET', async () => {
    const secret = (await readStageDatabaseSecret(root, 'dev'))!;
    const env = databaseEnv(secret);
    assert.equal(env.PG_HOST, '127.0.0.1');
    assert.equal(env.PG_PORT, String(secret.port));
    assert.equal(env.PG_DATABASE, 'dev');
    assert.equal(env.PG_USER, 'postgres');
    assert.equal(env.PG_PASSWORD, secret.password);
    assert.deepEqual(JSON.parse(env.PG_CREDENTIALS_SECRET), { username: 'postgres', password: secret.password, host: '127.0.0.1', port: secret.port, dbname: 'dev' });
    assert.equal(env.PG_USERNAME, env.PG_USER);
    // DATABASE_URL reaches the same server: connect with it alone.
    const client = new pg.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ db: string; usr: string }>('SELECT current_database() AS db, current_user AS usr');
      assert.deepEqual(rows[0], { db: 'dev', usr: 'postgres' });
    } finally {
      await client.end();
    }
  });

  it('URL-encodes the password and names in DATABASE_URL', () => {
    const env = databaseEnv({ host: '127.0.0.1', port: 5433, database: 'my db', username: 'app@x', password: 'p@ss:w/rd?#%' });
    // Assembled with join(): a literal connection string with a password is what the secret scan flags in this repository.
    assert.equal(env.DATABASE_URL, ['postgres://app%40x:', 'p%40ss%3Aw%2Frd%3F%23%25', '@127.0.0.1:5433/my%20db'].join(''));
    const url = new URL(env.DATABASE_URL);
    assert.equal(decodeURIComponent(url.password), 'p@ss:w/rd?#%');
  });

  it('is idempotent: a second ensure reattaches to the running server', async () => {
    const before = await stageDatabaseStatus(root, 'dev');
    const secret = await ensure('dev');
    const after = await stageDatabaseStatus(root, 'dev');
    assert.equal(before.running, true);
    assert.equal(after.pid, before.pid);
    assert.equal(secret.port, before.port);
  });

  it('keeps data across stop and restart, on the same port', async () => {
    const secret = (await readStageDatabaseSecret(root, 'dev'))!;
    await query(secret, 'CREATE TABLE notes (id serial PRIMARY KEY, body text)');
    await query(secret, 'INSERT INTO notes (body) VALUES ($1)', ['kept']);
    await stopStageDatabase(root, 'dev');
    assert.deepEqual(await stageDatabaseStatus(root, 'dev'), { exists: true, running: false });
    await assert.rejects(query(secret, 'SELECT 1'));

    const again = await ensure('dev');
    assert.equal(again.port, secret.port);
    assert.deepEqual((await query(again, 'SELECT body FROM notes')).rows, [{ body: 'kept' }]);
  });

  it('keeps running after the process that started it exits, and the next caller reattaches', async () => {
    await stopStageDatabase(root, 'dev');
    const child = await ensureInChild('dev', 'exit');
    assert.equal(child.code, 0);
    const status = await stageDatabaseStatus(root, 'dev');
    assert.equal(status.running, true, 'the server outlived the child');
    assert.equal(status.port, child.port);
    const secret = (await readStageDatabaseSecret(root, 'dev'))!;
    assert.deepEqual((await query(secret, 'SELECT body FROM notes')).rows, [{ body: 'kept' }]);
    const started = await startTime(secret);

    await ensure('dev');
    const after = await stageDatabaseStatus(root, 'dev');
    assert.equal(after.pid, status.pid, 'same server, not a second one');
    assert.equal(after.port, status.port);
    assert.equal(await startTime(secret), started);
  });

  it('keeps running when the process that started it is killed with SIGKILL', async () => {
    await stopStageDatabase(root, 'dev');
    const child = await ensureInChild('dev', 'kill');
    assert.equal(child.signal, 'SIGKILL');
    const status = await stageDatabaseStatus(root, 'dev');
    assert.equal(status.running, true);
    const secret = await ensure('dev');
    assert.equal((await stageDatabaseStatus(root, 'dev')).pid, status.pid);
    assert.deepEqual((await query(secret, 'SELECT count(*)::int AS n FROM notes')).rows, [{ n: 1 }]);
  });

  it('restarts a server that crashed (postgres killed with SIGKILL), data intact', async () => {
    const { pid } = await stageDatabaseStatus(root, 'dev');
    process.kill(pid!, 'SIGKILL');
    for (let i = 0; i < 100 && (await stageDatabaseStatus(root, 'dev')).running; i++) await new Promise(r => setTimeout(r, 20));
    assert.equal((await stageDatabaseStatus(root, 'dev')).running, false);
    const secret = await ensure('dev');
    const status = await stageDatabaseStatus(root, 'dev');
    assert.equal(status.running, true);
    assert.notEqual(status.pid, pid);
    assert.deepEqual((await query(secret, 'SELECT body FROM notes')).rows, [{ body: 'kept' }]);
  });

  it('rotates the password: the new one works, the old one is refused', async () => {
    const old = (await readStageDatabaseSecret(root, 'dev'))!;
    const rotated = await rotateStageDatabasePassword(root, 'dev', { log: l => lines.push(l) });
    passwords.add(rotated.password);
    assert.notEqual(rotated.password, old.password);
    assert.deepEqual(await readStageDatabaseSecret(root, 'dev'), rotated);
    assert.equal((await stat(stageDatabasePaths(root, 'dev').secretFile)).mode & 0o777, 0o600);
    assert.deepEqual((await query(rotated, 'SELECT count(*)::int AS n FROM notes')).rows, [{ n: 1 }]);
    await assert.rejects(query(old, 'SELECT 1'), (err: { code?: string }) => err.code === '28P01');
    // A later ensure keeps using the rotated password.
    assert.equal((await ensure('dev')).password, rotated.password);
  });

  it('completes a rotation cut off after the server took the new password, and drops one it never took', async () => {
    const current = (await readStageDatabaseSecret(root, 'dev'))!;
    const pending = stageDatabasePaths(root, 'dev').pendingSecretFile;
    // Never taken by the server: ensure must keep the current password.
    await writeFile(pending, JSON.stringify({ ...current, password: randomBytes(24).toString('hex') }), { mode: 0o600 });
    assert.equal((await ensure('dev')).password, current.password);
    await assert.rejects(stat(pending));
    // Taken by the server, but the process died before saving it: ensure adopts it.
    const taken = randomBytes(24).toString('hex');
    passwords.add(taken);
    await writeFile(pending, JSON.stringify({ ...current, password: taken }), { mode: 0o600 });
    await query(current, `ALTER USER postgres PASSWORD '${taken}'`);
    const adopted = await ensure('dev');
    assert.equal(adopted.password, taken);
    assert.deepEqual(await readStageDatabaseSecret(root, 'dev'), adopted);
    await query(adopted, 'SELECT 1');
  });

  it('gives two stages two servers with separate data and passwords', async () => {
    const dev = (await readStageDatabaseSecret(root, 'dev'))!;
    const test = await ensure('test');
    assert.notEqual(test.port, dev.port);
    assert.notEqual(test.password, dev.password);
    assert.notEqual((await stageDatabaseStatus(root, 'test')).pid, (await stageDatabaseStatus(root, 'dev')).pid);
    assert.equal(test.database, 'test');
    const tables = await query(test, "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'notes'");
    assert.deepEqual(tables.rows, [{ n: 0 }]);
  });

  it('moves to another port when its port is taken while stopped, and keeps it when free', async () => {
    const before = (await readStageDatabaseSecret(root, 'test'))!;
    await query(before, 'CREATE TABLE t (v int)');
    await stopStageDatabase(root, 'test');
    const blocker = net.createServer();
    await new Promise<void>(resolve => blocker.listen(before.port, '127.0.0.1', resolve));
    try {
      const moved = await ensure('test');
      assert.notEqual(moved.port, before.port);
      assert.equal((await readStageDatabaseSecret(root, 'test'))!.port, moved.port);
      await query(moved, 'SELECT * FROM t');
      assert.ok(lines.some(l => l.includes(`Port ${before.port} of stage "test"`)));
    } finally {
      await new Promise(resolve => blocker.close(resolve));
    }
    const moved = (await readStageDatabaseSecret(root, 'test'))!;
    await stopStageDatabase(root, 'test');
    assert.equal((await ensure('test')).port, moved.port, 'the new port is kept across restarts');
  });

  it('starts one server when several callers (in this process and another) ensure a new stage at once', async () => {
    const [a, b, c, child] = await Promise.all([ensure('conc'), ensure('conc'), ensure('conc'), ensureInChild('conc', 'exit')]);
    assert.deepEqual(b, a);
    assert.deepEqual(c, a);
    assert.equal(child.port, a.port);
    // The child's progress lines are in `lines` too: exactly one caller created and started it.
    assert.equal(lines.filter(l => l.startsWith('Creating PostgreSQL for stage "conc"')).length, 1);
    assert.equal(lines.filter(l => l.startsWith('Started PostgreSQL for stage "conc"')).length, 1);
    assert.equal(lines.filter(l => l.startsWith('PostgreSQL for stage "conc" is running')).length, 3);
    const status = await stageDatabaseStatus(root, 'conc');
    assert.equal(status.running, true);
    assert.equal(status.port, a.port);
    await query(a, 'SELECT 1');
  });

  it('reports a server that fails to start with the stage and the last lines of its log', async () => {
    const conf = path.join(stageDatabasePaths(root, 'test').dataDir, 'postgresql.conf');
    const original = await readFile(conf, 'utf8');
    await stopStageDatabase(root, 'test');
    await writeFile(conf, `${original}\nstagecraft_no_such_setting = on\n`);
    try {
      await assert.rejects(ensure('test'), (err: unknown) => {
        assert.ok(err instanceof StagecraftError);
        assert.match(err.message, /stage "test" failed to start/);
        assert.match(err.message, /stagecraft_no_such_setting/);
        return true;
      });
    } finally {
      await writeFile(conf, original);
    }
    await query(await ensure('test'), 'SELECT 1');
  });

  it('says what to do when the server cannot write the data folder', async () => {
    const locked = await mkdtemp(path.join(os.tmpdir(), 'stagecraft-db-locked-'));
    extraRoots.push(locked);
    // The state folder sits inside the locked folder (STAGECRAFT_HOME, as a user may set it).
    const savedHome = process.env.STAGECRAFT_HOME;
    process.env.STAGECRAFT_HOME = path.join(locked, 'state');
    try {
      if (process.getuid?.() === 0) {
        // mkdtemp made it 0700: the postgres user cannot enter it.
        await assert.rejects(ensureStageDatabase(locked, 'dev'), (err: unknown) => {
          assert.ok(err instanceof StagecraftError);
          assert.match(err.message, /stage "dev".*cannot write/);
          assert.match(err.hint ?? '', new RegExp(`chmod o\\+x ${locked.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
          return true;
        });
      } else {
        await writeFile(path.join(locked, 'state'), 'not a folder');
        await assert.rejects(ensureStageDatabase(locked, 'dev'), (err: unknown) => err instanceof StagecraftError && /stage "dev"/.test(err.message));
      }
    } finally {
      process.env.STAGECRAFT_HOME = savedHome;
    }
  });

  it('stops at once with a cancelled error when its signal has fired', async () => {
    await assert.rejects(ensureStageDatabase(root, 'dev', { signal: AbortSignal.abort() }), (err: unknown) => err instanceof StagecraftError && err.cancelled);
  });

  it('rejects a stage name that is not a valid name', async () => {
    await assert.rejects(ensureStageDatabase(root, '../escape'), (err: unknown) => err instanceof StagecraftError && err.kind === 'input');
  });

  it('destroys a stage database: server stopped, data and secret gone; a new ensure starts empty', async () => {
    // Reuses the stage of the concurrency test rather than paying for another initdb.
    const first = (await readStageDatabaseSecret(root, 'conc'))!;
    await query(first, 'CREATE TABLE doomed (v int)');
    const { pid } = await stageDatabaseStatus(root, 'conc');
    await destroyStageDatabase(root, 'conc');
    assert.deepEqual(await stageDatabaseStatus(root, 'conc'), { exists: false, running: false });
    assert.equal(await readStageDatabaseSecret(root, 'conc'), undefined);
    await assert.rejects(stat(stageDatabasePaths(root, 'conc').dir));
    assert.equal(hasExited(pid!), true, 'the server process is gone');

    const second = await ensure('conc');
    assert.notEqual(second.password, first.password);
    assert.deepEqual((await query(second, "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'doomed'")).rows, [{ n: 0 }]);
  });

  it('never lets a password into a log line or the server logs', async () => {
    assert.ok(lines.length > 10, 'log lines were captured');
    assert.ok(passwords.size >= 5);
    for (const line of lines) for (const pw of passwords) assert.equal(line.includes(pw), false, `log line carries a password: ${redactor.redact(line)}`);
    for (const stage of stages) {
      const log = await readFile(stageDatabasePaths(root, stage).logFile, 'utf8').catch(() => '');
      for (const pw of passwords) assert.equal(log.includes(pw), false, `postgres.log of ${stage} carries a password`);
    }
  });
});
