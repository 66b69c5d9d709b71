import * as assert from 'node:assert/strict';
import { reuseRecordedChecks, runPipeline } from '../../../../src/core/pipeline';
import { makeStack, ScriptedExecutor, Temp } from './helpers';

const COMMIT = '1a2b3c4d5e6f708192a3b4c5d6e7f80912345678';
const OTHER_COMMIT = '99887766554433221100ffeeddccbbaa99887766';
const TWO_STAGES = 'stack: shop\nstages:\n  - name: dev\n  - name: test\n';
const CHECKS = ['build:unit-tests', 'build:secret-scan', 'build:code-quality', 'build:sbom', 'build:audit'];

describe('reuse of an artifact\'s recorded checks (Deploy Stage, stagecraft deploy)', () => {
  const temp = new Temp();
  after(() => temp.cleanup());

  it('skips the checks a run of the same commit and artifact passed, saying from which run', async () => {
    const stack = makeStack(temp, TWO_STAGES, { lint: 'eslint .' });
    const first = await runPipeline({ stack, executor: new ScriptedExecutor({ 'build:audit': { status: 'warning', summary: 'dependency audit: 0 critical, 1 high' } }), commit: COMMIT, stages: ['dev'] });
    assert.equal(first.status, 'succeeded');

    const exec = new ScriptedExecutor();
    const lines: string[] = [];
    const second = await runPipeline({ stack, executor: reuseRecordedChecks(stack.root, exec), commit: COMMIT, stages: ['test'], onEvent: e => e.type === 'log' && lines.push(e.line) });
    assert.equal(second.status, 'succeeded');
    // The source is exported and the artifact built (found) again; none of the checks ran.
    assert.ok(exec.ids().includes('source') && exec.ids().includes('build:artifact'));
    for (const id of CHECKS) assert.ok(!exec.ids().includes(id), `${id} ran again`);
    for (const id of CHECKS) {
      const step = second.steps.find(s => s.id === id)!;
      assert.match(step.summary ?? '', new RegExp(`^checks reused from run ${first.id}: `), id);
    }
    // The warning stays a warning, with its words.
    const audit = second.steps.find(s => s.id === 'build:audit')!;
    assert.equal(audit.status, 'warning');
    assert.match(audit.summary!, /1 high$/);
    assert.ok(lines.some(l => l.startsWith(`Checks reused from run ${first.id}`)), lines.join('\n'));

    // A third deploy names the run that ran the checks, not the one that reused them.
    const third = await runPipeline({ stack, executor: reuseRecordedChecks(stack.root, new ScriptedExecutor()), commit: COMMIT, stages: ['dev'] });
    assert.match(third.steps.find(s => s.id === 'build:unit-tests')!.summary!, new RegExp(`^checks reused from run ${first.id}: unit-tests ok$`));
  });

  it('runs a check again when it failed before, or the artifact or commit differ', async () => {
    const stack = makeStack(temp, TWO_STAGES);
    await runPipeline({ stack, executor: new ScriptedExecutor({ 'build:sbom': { status: 'failed', summary: 'npm sbom exited 1' } }), commit: COMMIT, stages: ['dev'] });
    const again = new ScriptedExecutor();
    await runPipeline({ stack, executor: reuseRecordedChecks(stack.root, again), commit: COMMIT, stages: ['dev'] });
    // unit tests and the secret scan passed in the failed run: reused; SBOM failed there: runs; audit never ran: runs.
    assert.deepEqual(again.ids().filter(id => id.startsWith('build:') && id !== 'build:artifact'), ['build:sbom', 'build:audit']);

    const otherArtifact = new ScriptedExecutor({}, 'sha256-' + 'cd34'.repeat(8));
    await runPipeline({ stack, executor: reuseRecordedChecks(stack.root, otherArtifact), commit: COMMIT, stages: ['dev'] });
    assert.ok(otherArtifact.ids().includes('build:unit-tests'));

    const otherCommit = new ScriptedExecutor();
    await runPipeline({ stack, executor: reuseRecordedChecks(stack.root, otherCommit), commit: OTHER_COMMIT, stages: ['dev'] });
    assert.ok(otherCommit.ids().includes('build:unit-tests'));
  });

  it('without the wrapper (Run Pipeline) every check runs again', async () => {
    const stack = makeStack(temp, TWO_STAGES);
    await runPipeline({ stack, executor: new ScriptedExecutor(), commit: COMMIT, stages: ['dev'] });
    const exec = new ScriptedExecutor();
    await runPipeline({ stack, executor: exec, commit: COMMIT, stages: ['dev'] });
    assert.ok(exec.ids().includes('build:unit-tests') && exec.ids().includes('build:audit'));
  });
});
