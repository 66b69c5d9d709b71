import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLease, LeaseBusy, readLease } from '../../../src/core/lease';
import { acquireStageLock, stageLockFile, stageLockHolder } from '../../../src/core/stageLock';

/** The lease under every stage lock and stack-file edit: exclusive, says who holds it, survives dead holders. */
describe('core/lease: the stage lock', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sc-lease-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is exclusive: a second taker waits, is told who holds it, and gets it once released', async () => {
    const first = await acquireStageLock(dir, 'dev', { action: 'deploying dev', runId: 'run-1' });
    const told: string[] = [];
    let got = false;
    const second = acquireStageLock(dir, 'dev', { action: 'applying env' }, { onWait: (_h, m) => told.push(m), pollMs: 10 }).then(l => ((got = true), l));
    await new Promise(r => setTimeout(r, 150));
    assert.equal(got, false, 'the second taker must wait');
    assert.match(told[0] ?? '', /^waiting for run run-1 \(deploying dev since \d\d:\d\d\)$/);
    await first.release();
    const lease = await second;
    assert.equal((await stageLockHolder(dir, 'dev'))?.action, 'applying env');
    await lease.release();
    assert.equal(await stageLockHolder(dir, 'dev'), undefined);
  });

  it('with wait: false fails at once with who holds it; other stages are not blocked', async () => {
    const held = await acquireStageLock(dir, 'dev', { action: 'deploying dev', runId: 'run-2' });
    await assert.rejects(acquireStageLock(dir, 'dev', { action: 'destroying dev' }, { wait: false }), (err: unknown) => err instanceof LeaseBusy && /Busy: run run-2 \(deploying dev since/.test(err.message));
    const other = await acquireStageLock(dir, 'test', { action: 'deploying test' }, { wait: false });
    await other.release();
    await held.release();
  });

  it('waiting is cancelled by the AbortSignal', async () => {
    const held = await acquireStageLock(dir, 'dev', { action: 'deploying dev' });
    const controller = new AbortController();
    const waiting = acquireStageLock(dir, 'dev', { action: 'second' }, { signal: controller.signal, pollMs: 10 });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(waiting, (err: { cancelled?: boolean }) => err.cancelled === true);
    await held.release();
  });

  it('takes over a lease whose holder was killed (kill -9): its pid is gone', async () => {
    const file = stageLockFile(dir, 'dev');
    // A real process is recorded as the holder (as its own acquireLease would write it), then killed.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    await new Promise(r => child.once('spawn', r));
    const mine = await acquireLease(file, { action: 'template' });
    await mine.release();
    writeFileSync(file, JSON.stringify({ ...mine.holder, pid: child.pid, startTicks: undefined, action: 'deploying dev', token: 'child' }));
    await assert.rejects(acquireLease(file, { action: 'too early' }, { wait: false }), LeaseBusy, 'a live holder keeps it');
    child.kill('SIGKILL');
    await new Promise(r => child.once('exit', r));
    const lease = await acquireLease(file, { action: 'after the crash' }, { wait: false });
    assert.equal((await readLease(file))?.action, 'after the crash');
    await lease.release();
  });

  it('takes over a lease whose pid now belongs to another process (its start time differs)', async function () {
    if (process.platform !== 'linux') this.skip();
    const file = stageLockFile(dir, 'dev');
    const first = await acquireLease(file, { action: 'x' });
    // Our own pid, recorded with another start time: a recycled pid.
    writeFileSync(file, JSON.stringify({ ...first.holder, startTicks: (first.holder.startTicks ?? 0) + 12345, token: 'recycled' }));
    const lease = await acquireLease(file, { action: 'taken over' }, { wait: false });
    assert.equal((await readLease(file))?.action, 'taken over');
    await lease.release();
  });

  it('never lets two of many concurrent takers hold it at once', async () => {
    const file = stageLockFile(dir, 'dev');
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const lease = await acquireLease(file, { action: `taker ${i}` }, { pollMs: 5 });
        inside++;
        most = Math.max(most, inside);
        await new Promise(r => setTimeout(r, 5));
        inside--;
        await lease.release();
      }),
    );
    assert.equal(most, 1);
  });
});
