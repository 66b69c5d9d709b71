import * as assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readStageState, stageStateFile, writeStageState } from '../../../src/core/stageState';
import { stateDir } from '../../../src/core/workspace';
import { TempDirs } from './support/tempDir';

describe('stageState: <state folder>/stages/<stage>.json', () => {
  const temp = new TempDirs();
  after(() => temp.cleanup());

  it('a stage never deployed reads as not-deployed', async () => {
    assert.deepEqual(await readStageState(temp.make(), 'dev'), { kind: 'not-deployed' });
  });

  it('writes where it says, and reads back what it wrote', async () => {
    const root = temp.make();
    const status = { kind: 'healthy' as const, commit: 'a'.repeat(40), url: 'http://127.0.0.1:4100', updatedAt: '2025-01-02T03:04:05.000Z' };
    await writeStageState(root, 'dev', status);
    assert.equal(stageStateFile(root, 'dev'), join(stateDir(root), 'stages', 'dev.json'));
    assert.deepEqual(JSON.parse(readFileSync(stageStateFile(root, 'dev'), 'utf8')), status);
    assert.deepEqual(await readStageState(root, 'dev'), status);
    assert.deepEqual(readdirSync(dirname(stageStateFile(root, 'dev'))), ['dev.json'], 'no temporary file left behind');
  });

  it('stamps updatedAt when the caller did not', async () => {
    const root = temp.make();
    const before = Date.now();
    await writeStageState(root, 'test', { kind: 'deploying' });
    const read = await readStageState(root, 'test');
    assert.equal(read.kind, 'deploying');
    const stamped = Date.parse(read.updatedAt ?? '');
    assert.ok(stamped >= before - 1000 && stamped <= Date.now() + 1000, `updatedAt ${read.updatedAt}`);
  });

  it('overwrites the previous record', async () => {
    const root = temp.make();
    await writeStageState(root, 'prod', { kind: 'deploying' });
    await writeStageState(root, 'prod', { kind: 'failed', detail: 'health check timed out' });
    const read = await readStageState(root, 'prod');
    assert.equal(read.kind, 'failed');
    assert.equal(read.detail, 'health check timed out');
  });

  it('an unreadable record reads as unknown, saying why', async () => {
    const root = temp.make();
    mkdirSync(join(stateDir(root), 'stages'), { recursive: true });
    writeFileSync(stageStateFile(root, 'dev'), '{ not json');
    const broken = await readStageState(root, 'dev');
    assert.equal(broken.kind, 'unknown');
    assert.match(broken.detail ?? '', /^unreadable state record: /);
    writeFileSync(stageStateFile(root, 'qa'), '{"commit":"abc"}');
    assert.deepEqual(await readStageState(root, 'qa'), { kind: 'unknown', detail: 'unreadable state record' });
  });
});
