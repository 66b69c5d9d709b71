import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTicksOf } from '../../../src/local/runtime/procinfo';
import { localStateInUse } from '../../../src/local/stateInUse';

/** What keeps an old .stagecraft/ from moving: a live stage daemon or app recorded in it. */
describe('local/stateInUse: a state folder with running stages does not move', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sc-inuse-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function record(stage: string, daemon: { pid: number; startTicks?: number } | undefined): void {
    mkdirSync(path.join(dir, 'local', stage), { recursive: true });
    writeFileSync(path.join(dir, 'local', stage, 'state.json'), JSON.stringify({ stage, running: true, desired: 'running', origins: [], restarts: 0, crashes: [], updatedAt: '', daemon: daemon && { ...daemon, startedAt: '' } }));
  }

  it('names a stage whose daemon still runs, not one whose daemon is gone or recycled', async () => {
    record('dev', { pid: process.pid, startTicks: await startTicksOf(process.pid) });
    record('test', { pid: 2 ** 22 + 17 }); // no such process
    record('prod', { pid: process.pid, startTicks: ((await startTicksOf(process.pid)) ?? 0) + 1 }); // a recycled pid
    record('qa', undefined);
    const busy = await localStateInUse(dir);
    assert.deepEqual(busy, process.platform === 'linux' ? ['stage dev'] : ['stage dev', 'stage prod']);
  });

  it('an empty or missing folder holds nothing', async () => {
    assert.deepEqual(await localStateInUse(path.join(dir, 'nothing')), []);
  });
});
