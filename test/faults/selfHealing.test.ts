import * as assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stageDatabasePaths, stageDatabaseStatus } from '../../src/local/database';
import { runtimePaths } from '../../src/local/runtime/paths';
import { readRuntimeState } from '../../src/local/runtime/state';
import { cliOk, stageStatus, stageUrl } from '../unit/e2e/support/cli';
import { request } from '../unit/e2e/support/http';
import { faultRepo } from './support/fixture';

/**
 * Issue 20, items 3-4: a stage heals itself. `kill -9` of its daemon (proxy + supervisor) used to
 * leave the URL refusing connections until the next deploy, with status "stopped"; `kill -9` of
 * its PostgreSQL left database routes answering 503 while status said "healthy". Now the
 * watchdog brings each back (≤ 2 s for the daemon, ≤ 5 s for PostgreSQL), no row is lost, and
 * status says "recovered at HH:MM (…)".
 */
describe('faults: self-healing stages (kill -9 of the daemon, of PostgreSQL)', function () {
  this.timeout(300_000);
  const STAGE = 'healing';
  const ROWS = 20;
  let url: string;

  before(async function () {
    const repo = faultRepo();
    await cliOk(['deploy', STAGE, '--auto-approve'], repo.dir);
    url = await stageUrl(repo.dir, STAGE);
    for (let i = 0; i < ROWS; i++) {
      const created = await request(`${url}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `row ${i}` }) });
      assert.ok(created.status >= 200 && created.status < 300, `POST /items: ${created.status} ${created.body}`);
    }
  });

  /** Polls GET `path` until it answers `status`; returns how long that took. */
  async function timeUntil(path: string, status: number, limitMs: number): Promise<number> {
    const started = Date.now();
    let last = '';
    while (Date.now() - started < limitMs) {
      try {
        const answer = await request(`${url}${path}`, { timeoutMs: 1000 });
        if (answer.status === status) return Date.now() - started;
        last = `${answer.status}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise(r => setTimeout(r, 20));
    }
    throw new Error(`GET ${path} did not answer ${status} within ${limitMs} ms (last: ${last})`);
  }

  async function watchdogLog(): Promise<string> {
    return readFile(join(runtimePaths(faultRepo().dir, STAGE).dir, 'watchdog.log'), 'utf8').catch(err => String(err));
  }

  async function rowNames(): Promise<string[]> {
    const listed = await request(`${url}/items`);
    assert.equal(listed.status, 200, listed.body);
    return (JSON.parse(listed.body) as { items: { name: string }[] }).items.map(i => i.name);
  }

  it('kill -9 of the daemon: the URL serves again within 2 s, and status says "recovered at HH:MM (daemon crashed)"', async () => {
    const repo = faultRepo();
    const daemon = (await readRuntimeState(repo.dir, STAGE))?.daemon?.pid;
    assert.ok(daemon, 'state.json names the daemon');
    process.kill(daemon, 'SIGKILL');
    const tookMs = await timeUntil('/health', 200, 10_000);
    console.log(`      daemon recovered in ${tookMs} ms`);
    assert.ok(tookMs <= 2000, `the stage took ${tookMs} ms to serve again (limit 2000 ms). The watchdog's log:\n${await watchdogLog()}`);
    const after = (await readRuntimeState(repo.dir, STAGE))?.daemon?.pid;
    assert.notEqual(after, daemon, 'a new daemon serves the stage');
    const status = (await stageStatus(repo.dir))[STAGE] as { status: string; detail?: string | null };
    assert.equal(status.status, 'healthy');
    assert.match(String(status.detail), /^recovered at \d\d:\d\d \(daemon crashed\)$/);
    assert.deepEqual((await rowNames()).filter(n => n.startsWith('row ')).length, ROWS, 'rows lost');
  });

  it('kill -9 of the app: restarted, and status says healthy, "recovered at HH:MM (app crashed…)", not "failed"', async () => {
    const repo = faultRepo();
    const app = (await readRuntimeState(repo.dir, STAGE))?.active?.pid;
    assert.ok(app, 'state.json names the active app');
    process.kill(app, 'SIGKILL');
    await new Promise(r => setTimeout(r, 100));
    const tookMs = await timeUntil('/health', 200, 10_000);
    console.log(`      app restarted in ${tookMs} ms`);
    for (;;) {
      const now = (await readRuntimeState(repo.dir, STAGE))?.active?.pid;
      if (now && now !== app) break;
      await new Promise(r => setTimeout(r, 50));
    }
    const status = (await stageStatus(repo.dir))[STAGE] as { status: string; detail?: string | null };
    assert.equal(status.status, 'healthy', `after one successful restart: ${JSON.stringify(status)}`);
    assert.match(String(status.detail), /^recovered at \d\d:\d\d \(app crashed, restarted 1 time\(s\)\)$/);
  });

  it('kill -9 of PostgreSQL: database routes answer again within 5 s, with 0 rows lost', async () => {
    const repo = faultRepo();
    const db = await stageDatabaseStatus(repo.dir, STAGE);
    assert.ok(db.running && db.pid, `the stage's PostgreSQL runs: ${JSON.stringify(db)}`);
    const killedAt = Date.now();
    process.kill(db.pid, 'SIGKILL');
    // Recovered = a new server runs and the app's database route answers through it.
    for (;;) {
      const now = await stageDatabaseStatus(repo.dir, STAGE);
      if (now.running && now.pid !== db.pid) break;
      if (Date.now() - killedAt > 30_000) assert.fail(`PostgreSQL was not restarted within 30 s. The watchdog's log:\n${await watchdogLog()}`);
      await new Promise(r => setTimeout(r, 20));
    }
    const restartedMs = Date.now() - killedAt;
    const tookMs = restartedMs + (await timeUntil('/items', 200, 30_000));
    console.log(`      PostgreSQL running again after ${restartedMs} ms`);
    console.log(`      PostgreSQL recovered in ${tookMs} ms`);
    const pgLog = await readFile(stageDatabasePaths(repo.dir, STAGE).logFile, 'utf8').catch(() => '');
    assert.ok(tookMs <= 5000, `database routes took ${tookMs} ms to answer again (limit 5000 ms). The watchdog's log:\n${await watchdogLog()}\nPostgreSQL's log:\n${pgLog.split('\n').slice(-25).join('\n')}`);
    const names = await rowNames();
    for (let i = 0; i < ROWS; i++) assert.ok(names.includes(`row ${i}`), `row ${i} lost`);
    const status = (await stageStatus(repo.dir))[STAGE] as { status: string; detail?: string | null };
    assert.equal(status.status, 'healthy');
    assert.match(String(status.detail), /^recovered at \d\d:\d\d \(database crashed\)$/);
  });

  it('a stopped stage stays stopped: destroy ends the daemon and its watchdog, nothing comes back', async () => {
    const repo = faultRepo();
    await cliOk(['destroy', STAGE, '--force'], repo.dir);
    await new Promise(r => setTimeout(r, 1500));
    await assert.rejects(request(`${url}/health`, { timeoutMs: 1000 }), 'nothing serves a destroyed stage');
    assert.equal((await readRuntimeState(repo.dir, STAGE))?.running ?? false, false);
  });
});
