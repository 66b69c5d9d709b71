import * as assert from 'node:assert/strict';
import { listRuns, runPipeline } from '../../../src/core/pipeline';
import { findRecordedRelease, promotionTargets, startPromotion } from '../../../src/core/promote';
import { makeStack, ScriptedExecutor, Temp, THREE_STAGES } from './pipeline/helpers';

const A1 = 'sha256-' + '11'.repeat(16);
const C1 = '1'.repeat(40);

describe('core/promote: a recorded release to a later stage, through the rollback path', function () {
  this.timeout(30_000);
  const temp = new Temp();
  after(() => temp.cleanup());

  /** c1 built once and released to dev only. */
  async function onDev() {
    const stack = makeStack(temp, THREE_STAGES);
    const run = await runPipeline({ stack, executor: new ScriptedExecutor({}, A1), commit: C1, stages: ['dev'], timing: { heartbeatMs: 50 } });
    assert.equal(run.status, 'succeeded', run.outcome);
    return stack;
  }

  it('offers the stages after the last one the release reached', async () => {
    const stack = await onDev();
    const release = findRecordedRelease(stack, await listRuns(stack.root), C1.slice(0, 7));
    assert.deepEqual({ reached: release.reached, artifact: release.artifact }, { reached: ['dev'], artifact: A1 });
    assert.deepEqual(promotionTargets(stack, release), ['test', 'prod']);
  });

  it('deploys the recorded artifact to prod with no build, through prod’s approval gate', async () => {
    const stack = await onDev();
    const executor = new ScriptedExecutor();
    const { release, warnings, handle } = await startPromotion(stack, C1, 'prod', { executor, user: 'Bob', autoApprove: true });
    const run = await handle.done;
    assert.equal(run.status, 'succeeded', run.outcome);
    assert.deepEqual(warnings, []);
    assert.equal(release.artifact, A1);
    assert.equal(executor.builds, 0);
    assert.ok(!executor.ids().some(id => !id.startsWith('stage:prod:')), executor.ids().join(', '));
    assert.ok(executor.calls.every(c => c.artifact === A1 && c.commit === C1));
    assert.equal(run.steps.find(s => s.kind === 'approval')?.approval?.by, 'Bob', 'prod requires approval: the promotion passes its gate');
    assert.equal(run.rollbackTo, undefined, 'a promotion is not a rollback');
  });

  it('refuses a stage the release reached or one before it, and what no run released', async () => {
    const stack = await onDev();
    const executor = new ScriptedExecutor();
    await assert.rejects(startPromotion(stack, C1, 'dev', { executor, user: 'Bob' }), /Cannot promote 11111111 to dev: it already reached dev.*/);
    await assert.rejects(startPromotion(stack, 'abcdef12', 'test', { executor, user: 'Bob' }), /No run recorded a release of "abcdef12"/);
    await assert.rejects(startPromotion(stack, C1, 'qa', { executor, user: 'Bob' }), /qa/);
    assert.equal(executor.calls.length, 0);
  });
});
