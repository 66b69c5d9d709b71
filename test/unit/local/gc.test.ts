import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunRecord } from '../../../src/core/pipeline';
import { runDir } from '../../../src/core/pipeline';
import { writeRunRecord as writeRecord } from '../../../src/core/pipeline/store';
import { pruneRuns } from '../../../src/core/retention';
import { stateDir } from '../../../src/core/workspace';
import { collectLocalGarbage } from '../../../src/local/gc';
import { writeRuntimeFile } from '../../../src/local/runtime/state';

/**
 * Retention on a real state folder: artifacts (read-only trees, as builds leave them), exported
 * sources, runtime state of stages and run records, written the way Stagecraft writes them.
 */
describe('local/gc: retention of artifacts, exported sources and run records', () => {
  let root: string;
  let dir: string;
  const id = (n: number) => n.toString(16).padStart(64, '0');
  const hour = 3600_000;
  const t0 = Date.parse('2026-01-01T00:00:00Z');

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'sc-gc-'));
    dir = stateDir(root);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** An artifact folder with a manifest, read-only like a real build, made `ageHours` ago. */
  function artifact(n: number, ageHours: number): void {
    const d = path.join(dir, 'artifacts', id(n));
    mkdirSync(path.join(d, 'fs', 'app'), { recursive: true });
    writeFileSync(path.join(d, 'fs', 'app', 'main.js'), 'x'.repeat(1000));
    writeFileSync(path.join(d, 'manifest.json'), JSON.stringify({ id: id(n) }));
    const when = new Date(Date.now() - ageHours * hour);
    utimesSync(path.join(d, 'manifest.json'), when, when);
  }

  function run(n: number, stages: string[], artifactN: number | undefined, status: RunRecord['status'] = 'succeeded'): RunRecord {
    const created = new Date(t0 + n * hour);
    const stamp = created.toISOString();
    const runId = `${stamp.slice(0, 10).replace(/-/g, '')}-${stamp.slice(11, 19).replace(/:/g, '')}-000-${n.toString(16).padStart(4, '0')}`;
    return { version: 1, id: runId, stack: 'shop', commit: `c${n}`.padEnd(40, '0'), stages, createdAt: stamp, status, warnings: [], artifact: artifactN === undefined ? undefined : { id: id(artifactN), commit: `c${n}` } as RunRecord['artifact'], steps: [], stageRecords: {} };
  }

  async function writeRunRecord(r: string, record: RunRecord): Promise<void> {
    mkdirSync(runDir(r, record.id), { recursive: true });
    await writeRecord(r, record);
  }

  async function stageRuns(stage: string, artifactId: number | undefined, lastActive?: number): Promise<void> {
    await writeRuntimeFile(path.join(dir, 'local', stage, 'state.json'), {
      stage, running: artifactId !== undefined, desired: 'running', origins: [], restarts: 0, crashes: [], updatedAt: new Date().toISOString(),
      active: artifactId === undefined ? undefined : { artifactId: id(artifactId), commit: 'c', port: 1, pid: 1, startedAt: '' },
      lastActive: lastActive === undefined ? undefined : { artifactId: id(lastActive), commit: 'c' },
    });
  }

  it('keeps what stages run or ran last plus the newest N, removes the rest (read-only trees included)', async () => {
    for (let n = 1; n <= 8; n++) artifact(n, 10 - n); // 1 oldest … 8 newest
    await stageRuns('dev', 1); // dev runs the oldest
    await stageRuns('prod', undefined, 2); // prod is stopped; it ran 2 last
    const result = await collectLocalGarbage(root, 3);
    assert.deepEqual(result.artifactsKept.sort(), [1, 2, 6, 7, 8].map(id).sort());
    assert.deepEqual(result.artifactsRemoved.sort(), [3, 4, 5].map(id).sort());
    assert.ok(result.bytesFreed >= 3000);
    assert.deepEqual(readdirSync(path.join(dir, 'artifacts')).sort(), [1, 2, 6, 7, 8].map(id).sort());
  });

  it('a reuse makes an old artifact recent; an unfinished run pins its artifact and its exported source', async () => {
    for (let n = 1; n <= 4; n++) artifact(n, 10 - n);
    const live = run(1, ['dev'], 1, 'running');
    await writeRunRecord(root, live);
    writeFileSync(path.join(runDir(root, live.id), 'heartbeat.json'), JSON.stringify({ pid: process.pid, host: os.hostname(), at: new Date().toISOString() }));
    const old = run(0, ['dev'], 2, 'failed');
    await writeRunRecord(root, old);
    for (const r of [live, old]) mkdirSync(path.join(dir, 'sources', r.commit), { recursive: true });
    const result = await collectLocalGarbage(root, 1);
    assert.ok(result.artifactsKept.includes(id(1)), 'the running run needs its artifact');
    assert.ok(result.artifactsKept.includes(id(4)), 'the newest');
    assert.deepEqual(result.sourcesRemoved, [old.commit], 'only a live run keeps its export');
    assert.ok(existsSync(path.join(dir, 'sources', live.commit)));
  });

  it('destroying the only stage that ran an artifact frees it at the next sweep', async () => {
    artifact(1, 5);
    artifact(2, 1);
    await stageRuns('dev', 1);
    assert.deepEqual((await collectLocalGarbage(root, 1)).artifactsRemoved, []);
    rmSync(path.join(dir, 'local', 'dev'), { recursive: true }); // what destroy removes
    assert.deepEqual((await collectLocalGarbage(root, 1)).artifactsRemoved, [id(1)]);
  });

  it('run records: the newest N per stage stay, unfinished runs stay whatever their age', async () => {
    const runs = [run(1, ['dev', 'prod'], undefined), run(2, ['dev'], undefined), run(3, ['dev'], undefined), run(4, ['dev'], undefined), run(5, ['test'], undefined)];
    for (const r of runs) await writeRunRecord(root, r);
    const live = run(0, ['dev'], undefined, 'awaiting-approval');
    await writeRunRecord(root, live);
    writeFileSync(path.join(runDir(root, live.id), 'heartbeat.json'), JSON.stringify({ pid: process.pid, host: os.hostname(), at: new Date().toISOString() }));
    const dry = await pruneRuns(root, 2, { dryRun: true });
    assert.deepEqual(dry.removed, [runs[1].id], 'dry run names what would go');
    assert.equal(readdirSync(path.join(dir, 'runs')).length, 6, 'and removes nothing');
    const { removed } = await pruneRuns(root, 2);
    // dev keeps 4 and 3; run 1 stays as one of prod's newest two; run 2 goes; the live one stays.
    assert.deepEqual(removed, [runs[1].id]);
    assert.deepEqual(readdirSync(path.join(dir, 'runs')).sort(), [live, runs[0], runs[2], runs[3], runs[4]].map(r => r.id).sort());
  });
});
