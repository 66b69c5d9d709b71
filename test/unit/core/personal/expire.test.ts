import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planBranchRun } from '../../../../src/core/branchRun';
import { loadStackFile } from '../../../../src/core/config/load';
import type { Stack } from '../../../../src/core/model';
import { expirePersonalStages, type BranchFacts } from '../../../../src/core/personal/expire';
import { extendPersonalStage } from '../../../../src/core/personal/extend';
import { listPersonalRecords, readPersonalRecord, writePersonalRecord, type PersonalStageRecord } from '../../../../src/core/personal/registry';
import { withPersonalStages } from '../../../../src/core/personal/stage';
import { formatExpiresIn } from '../../../../src/core/personal/ttl';
import { TempDirs } from '../support/tempDir';

const DAY = 86_400_000;
const T0 = new Date('2026-03-01T12:00:00.000Z');
const at = (days: number) => new Date(T0.getTime() + days * DAY);

/** Branches that exist and commits on develop/main, as a test says (the e2e suite uses real git). */
function facts(branches: string[], integrated: string[] = []): BranchFacts {
  return { branchExists: async b => branches.includes(b), isIntegrated: async c => integrated.includes(c) };
}

describe('personal stages: expiry with an injected clock', () => {
  const temp = new TempDirs();
  after(() => temp.cleanup());

  async function project(yaml = 'stack: shop\nstages:\n  - name: dev\n    database: postgres\n    env:\n      A: one\n      TOKEN: { secret: TOKEN }\n  - name: prod\npersonal:\n  ttl: 3d\n'): Promise<Stack> {
    const dir = temp.make();
    writeFileSync(join(dir, 'stagecraft.yaml'), yaml);
    return (await loadStackFile(dir))!.stack!;
  }
  const record = (name: string, extra: Partial<PersonalStageRecord> = {}): PersonalStageRecord => ({
    version: 1, name, owner: name, ownerId: `${name}@x`, branch: `feature/${name}`, provider: 'local', createdAt: T0.toISOString(), ...extra,
  });

  it("a personal stage takes dev's settings without its secrets, and shows its owner, branch and expiry", async () => {
    const stack = await project();
    await writePersonalRecord(stack.root, record('ann', { lastDeployAt: at(1).toISOString() }));
    const merged = await withPersonalStages(stack);
    const ann = merged.stages.find(s => s.name === 'ann')!;
    assert.equal(ann.database, 'postgres');
    assert.deepEqual(ann.env, { A: 'one' });
    assert.equal(ann.protected, false);
    assert.deepEqual(ann.personal, { owner: 'ann', ownerId: 'ann@x', branch: 'feature/ann', createdAt: T0.toISOString(), lastDeployAt: at(1).toISOString(), expiresAt: at(4).toISOString() });
    assert.equal(formatExpiresIn(ann.personal!.expiresAt, at(1)), 'expires in 3 d');
    assert.equal(formatExpiresIn(ann.personal!.expiresAt, at(3.5)), 'expires in 12 h');
  });

  it('goes when its TTL passes, its branch is deleted or merged; stays otherwise; destroy gets the stage', async () => {
    const stack = await project();
    await writePersonalRecord(stack.root, record('old'));
    await writePersonalRecord(stack.root, record('gone', { lastDeployAt: at(2).toISOString() }));
    await writePersonalRecord(stack.root, record('merged', { lastDeployAt: at(2).toISOString(), lastCommit: 'c1', integratedAtDeploy: false }));
    await writePersonalRecord(stack.root, record('fresh', { lastDeployAt: at(2).toISOString(), lastCommit: 'c0', integratedAtDeploy: true }));
    const destroyed: string[] = [];
    const report = await expirePersonalStages(stack, {
      now: at(3.5),
      git: facts(['feature/old', 'feature/merged', 'feature/fresh'], ['c0', 'c1']),
      destroy: async (_s, stage) => void destroyed.push(`${stage.name}:${stage.database}`),
    });
    assert.deepEqual(report.expired.map(e => [e.name, e.why]), [
      ['gone', 'its branch feature/gone was deleted'],
      ['merged', 'its branch feature/merged was merged'],
      ['old', 'its time to live ran out at 2026-03-04T12:00:00.000Z'],
    ]);
    assert.deepEqual(destroyed, ['gone:postgres', 'merged:postgres', 'old:postgres']);
    assert.deepEqual((await listPersonalRecords(stack.root)).map(r => r.name), ['fresh'], 'a commit already on develop when deployed does not read as merged');
    assert.deepEqual(report.soon.map(s => s.name), [], 'fresh has 1.5 days left');
  });

  it('warns a day before; extend pushes the expiry back; a failed destroy keeps the record for the next sweep', async () => {
    const stack = await project();
    await writePersonalRecord(stack.root, record('ann'));
    const soon = await expirePersonalStages(stack, { now: at(2.5), git: facts(['feature/ann']), destroy: async () => assert.fail('not yet') });
    assert.deepEqual(soon.soon, [{ name: 'ann', owner: 'ann', expiresAt: at(3).toISOString() }]);
    assert.equal(await extendPersonalStage(stack, 'ann', { days: 2, now: at(2.5) }), at(5).toISOString());
    assert.equal((await expirePersonalStages(stack, { now: at(4), git: facts(['feature/ann']) })).expired.length, 0);
    const failed = await expirePersonalStages(stack, { now: at(6), git: facts(['feature/ann']), destroy: async () => { throw new Error('daemon busy'); } });
    assert.deepEqual(failed.expired.map(e => [e.destroyed, e.error]), [[false, 'daemon busy']]);
    assert.ok(await readPersonalRecord(stack.root, 'ann'));
  });

  it('stack-file stages never expire, not even one a stale record names; the stage of the current run is kept', async () => {
    const stack = await project();
    await writePersonalRecord(stack.root, record('prod'));
    await writePersonalRecord(stack.root, record('mine'));
    const report = await expirePersonalStages(stack, { now: at(400), git: facts([]), keep: ['mine'], destroy: async () => assert.fail('nothing may go') });
    assert.deepEqual(report.expired, []);
  });

  it('extend refuses shared stages, unknown names and bad day counts', async () => {
    const stack = await project();
    await writePersonalRecord(stack.root, record('ann'));
    await assert.rejects(extendPersonalStage(stack, 'prod'), /stage of stagecraft\.yaml: it never expires/);
    await assert.rejects(extendPersonalStage(stack, 'nobody'), /no personal stage "nobody"/);
    await assert.rejects(extendPersonalStage(stack, 'ann', { days: 0 }), /--days must be a whole number/);
  });
});

describe('planBranchRun: bad input deploys nothing', () => {
  const temp = new TempDirs();
  after(() => temp.cleanup());
  async function stack(): Promise<Stack> {
    const dir = temp.make();
    writeFileSync(join(dir, 'stagecraft.yaml'), 'stack: shop\nstages:\n  - name: dev\n  - name: prod\n');
    return (await loadStackFile(dir))!.stack!;
  }
  const me = { user: 'Jane Doe', userId: 'jane@x', commit: 'abc' };
  const opts = { git: facts([]), now: T0 };

  it('a detached HEAD, an unborn branch and an unmapped branch, each with its fix', async () => {
    const s = await stack();
    await assert.rejects(planBranchRun(s, { ...me, branch: undefined }, opts), (e: Error & { kind: string; hint: string }) => /HEAD is detached/.test(e.message) && /--branch NAME/.test(e.hint) && e.kind === 'input');
    await assert.rejects(planBranchRun(s, { ...me, branch: 'main', commit: undefined }, opts), /Branch main has no commit yet/);
    await assert.rejects(planBranchRun(s, { ...me, branch: 'spike' }, opts), (e: Error) => /deploys to no stage/.test(e.message) && /develop {7}dev/.test(e.message));
    assert.deepEqual(await listPersonalRecords(s.root), []);
  });

  it('two developers whose names slug the same: the second is refused, the first keeps the stage', async () => {
    const s = await stack();
    const first = await planBranchRun(s, { ...me, branch: 'feature/a' }, opts);
    assert.deepEqual(first.stages, ['jane-doe']);
    assert.equal(first.stack.stages.find(x => x.name === 'jane-doe')?.personal?.owner, 'Jane Doe');
    await assert.rejects(planBranchRun(s, { user: 'JANE DOE', userId: 'other@x', commit: 'abc', branch: 'feature/b' }, opts), /belongs to Jane Doe <jane@x>/);
    assert.equal((await readPersonalRecord(s.root, 'jane-doe'))?.branch, 'feature/a');
  });

  it('--stage outside the mapping warns; a protected one needs force', async () => {
    const s = await stack();
    await assert.rejects(planBranchRun(s, { ...me, branch: 'feature/a', stages: ['prod'] }, opts), /prod is protected/);
    const forced = await planBranchRun(s, { ...me, branch: 'feature/a', stages: ['prod'], force: true }, opts);
    assert.deepEqual(forced.warnings, ['--stage prod crosses the branch mapping: branch feature/a deploys to jane-doe.']);
    const dev = await planBranchRun(s, { ...me, branch: 'main', stages: ['dev'] }, opts);
    assert.deepEqual(dev.warnings, ['--stage dev crosses the branch mapping: branch main deploys to prod.']);
  });
});
