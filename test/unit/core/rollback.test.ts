import * as assert from 'node:assert/strict';
import { runPipeline } from '../../../src/core/pipeline';
import { pickRelease, startRollback, stageReleases } from '../../../src/core/rollback';
import { listRuns } from '../../../src/core/pipeline';
import { makeStack, ScriptedExecutor, Temp, THREE_STAGES } from './pipeline/helpers';

const A1 = 'sha256-' + '11'.repeat(16);
const A2 = 'sha256-' + '22'.repeat(16);
const C1 = '1'.repeat(40);
const C2 = '2'.repeat(40);

describe('core/rollback: redeploying an earlier release through the engine', function () {
  this.timeout(30_000);
  const temp = new Temp();
  after(() => temp.cleanup());

  /** Two releases of the three stages (c1 then c2), each built once, prod auto-approved. */
  async function released() {
    const stack = makeStack(temp, THREE_STAGES);
    for (const [commit, artifact] of [[C1, A1], [C2, A2]]) {
      const run = await runPipeline({ stack, executor: new ScriptedExecutor({}, artifact), commit, autoApprove: { by: 'Ann' }, timing: { heartbeatMs: 50 } });
      assert.equal(run.status, 'succeeded', run.outcome);
    }
    return stack;
  }

  it('deploys the recorded artifact of the previous release: no source, build or migration step; the gates still run', async () => {
    const stack = await released();
    const executor = new ScriptedExecutor();
    const { release, warnings, handle } = await startRollback(stack, 'prod', { executor, user: 'Bob', autoApprove: true });
    const run = await handle.done;
    assert.equal(run.status, 'succeeded', run.outcome);
    assert.deepEqual({ commit: release.commit, artifact: release.artifact }, { commit: C1, artifact: A1 });
    assert.deepEqual(run.steps.map(s => s.id), ['stage:prod:approval', 'stage:prod:deploy', 'stage:prod:health', 'stage:prod:synthetic', 'stage:prod:promote']);
    assert.deepEqual(executor.ids(), ['stage:prod:deploy', 'stage:prod:health', 'stage:prod:synthetic', 'stage:prod:promote']);
    assert.ok(executor.calls.every(c => c.artifact === A1 && c.commit === C1));
    assert.equal(executor.builds, 0);
    assert.equal(run.steps.find(s => s.kind === 'approval')?.approval?.by, 'Bob', 'prod requires approval: the rollback passes its gate too');
    assert.deepEqual(run.rollbackTo, { stage: 'prod', commit: C1, runId: release.runId });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /schema of prod has moved since 11111111: migrations ran for 22222222 .*never runs a migration backwards/);
  });

  it('rebuilds a missing artifact from its commit, with a warning', async () => {
    const stack = await released();
    const executor = new ScriptedExecutor({}, A1);
    executor.artifactGone = true;
    const { warnings, handle } = await startRollback(stack, 'dev', { executor, user: 'Bob', to: C1.slice(0, 7) });
    const run = await handle.done;
    assert.equal(run.status, 'succeeded', run.outcome);
    assert.equal(executor.builds, 1);
    assert.ok(executor.ids().includes('build:artifact'));
    assert.ok(!executor.ids().some(id => id.endsWith(':migrate')), 'still no migration');
    assert.match(warnings[0], /artifact sha256-11111 of 11111111 is no longer there: it is rebuilt from its commit/);
  });

  it('picks by run id or commit prefix, refuses what never served the stage, and needs an earlier release', async () => {
    const stack = await released();
    const releases = stageReleases(await listRuns(stack.root), 'dev');
    assert.deepEqual(releases.map(r => r.commit), [C2, C1]);
    assert.equal(pickRelease(releases, 'dev', C2).commit, C1);
    assert.equal(pickRelease(releases, 'dev', C2, releases[1].runId).commit, C1);
    assert.equal(pickRelease(releases, 'dev', C2, '2222').commit, C2);
    assert.throws(() => pickRelease(releases, 'dev', C2, 'abcdef'), /No release of dev matches "abcdef"/);
    assert.throws(() => pickRelease(releases.slice(0, 1), 'dev', C2), /no earlier release to roll back to \(it runs 22222222, its only release\)/);
  });
});
