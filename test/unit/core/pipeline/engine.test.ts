import * as assert from 'node:assert/strict';
import { readStageState, writeStageState } from '../../../../src/core/stageState';
import { StagecraftError } from '../../../../src/core/errors';
import { runShell } from '../../../../src/core/exec';
import { planRun, readRun, runPipeline, startRun, type RunEvent } from '../../../../src/core/pipeline';
import { hangs, makeStack, nextEvent, ScriptedExecutor, Temp } from './helpers';

const COMMIT = '1a2b3c4d5e6f708192a3b4c5d6e7f80912345678';
const OLD_COMMIT = '99887766554433221100ffeeddccbbaa99887766';
const TWO_STAGES = 'stack: shop\nstages:\n  - name: dev\n  - name: test\n';

describe('pipeline engine', () => {
  const temp = new Temp();
  after(() => temp.cleanup());

  it('runs every planned step in order and succeeds', async () => {
    const stack = makeStack(temp, TWO_STAGES, { lint: 'eslint .' });
    const exec = new ScriptedExecutor();
    const run = await runPipeline({ stack, executor: exec, commit: COMMIT, branch: 'develop' });
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(exec.ids(), planRun(stack, { commit: COMMIT }).map(s => s.id));
    assert.ok(run.steps.every(s => s.status === 'succeeded' && s.startedAt && s.endedAt && typeof s.durationMs === 'number'));
    assert.match(run.outcome ?? '', /^succeeded: commit 1a2b3c4d/);
  });

  it('passes the artifact built once to every later step and records it per stage', async () => {
    const stack = makeStack(temp, TWO_STAGES);
    const exec = new ScriptedExecutor({}, 'sha256-feedface');
    const run = await runPipeline({ stack, executor: exec, commit: COMMIT });
    const afterBuild = exec.calls.slice(exec.ids().indexOf('build:artifact') + 1);
    assert.ok(afterBuild.length > 5);
    assert.ok(afterBuild.every(c => c.artifact === 'sha256-feedface'), JSON.stringify(afterBuild));
    assert.equal(exec.calls.find(c => c.id === 'source')!.artifact, undefined);
    assert.equal(exec.builds, 1);
    assert.deepEqual(run.artifact, { id: 'sha256-feedface', commit: COMMIT });
    for (const stage of ['dev', 'test']) {
      assert.equal(run.stageRecords[stage].status, 'serving');
      assert.equal(run.stageRecords[stage].artifact, 'sha256-feedface');
      assert.equal(run.stageRecords[stage].commit, COMMIT);
      const state = await readStageState(stack.root, stage);
      assert.equal(state.kind, 'healthy');
      assert.equal(state.commit, COMMIT);
      assert.equal(state.artifact, 'sha256-feedface');
    }
    // The health step of a stage sees what its deploy reported.
    assert.equal(exec.calls.find(c => c.id === 'stage:test:health')!.stageOutputs.url, 'http://127.0.0.1:1/test');
  });

  it('stops at a failing step: nothing after it runs', async () => {
    const stack = makeStack(temp, TWO_STAGES);
    const exec = new ScriptedExecutor({ 'build:secret-scan': { status: 'failed', summary: 'src/config.js:3 looks like a private key' } });
    const run = await runPipeline({ stack, executor: exec, commit: COMMIT });
    assert.equal(run.status, 'failed');
    assert.equal(exec.ids().at(-1), 'build:secret-scan');
    const i = run.steps.findIndex(s => s.id === 'build:secret-scan');
    assert.equal(run.steps[i].status, 'failed');
    assert.ok(run.steps.slice(i + 1).every(s => s.status === 'pending'));
    assert.match(run.outcome ?? '', /failed at build:secret-scan .*private key/);
    assert.deepEqual(exec.rollbacks, []);
  });

  it('treats a thrown error as a failed step with its message', async () => {
    const stack = makeStack(temp, TWO_STAGES);
    const exec = new ScriptedExecutor({
      'build:unit-tests': () => {
        throw new Error('npm test exited with 1');
      },
    });
    const run = await runPipeline({ stack, executor: exec, commit: COMMIT });
    assert.equal(run.status, 'failed');
    assert.equal(run.steps.find(s => s.id === 'build:unit-tests')!.summary, 'npm test exited with 1');
  });

  it('fails the build when the executor reports no artifact id', async () => {
    const stack = makeStack(temp, TWO_STAGES);
    const exec = new ScriptedExecutor({ 'build:artifact': { status: 'succeeded', summary: 'built?' } });
    const run = await runPipeline({ stack, executor: exec, commit: COMMIT });
    assert.equal(run.status, 'failed');
    assert.match(run.steps.find(s => s.id === 'build:artifact')!.summary ?? '', /no artifact id/);
    assert.equal(exec.ids().at(-1), 'build:artifact');
  });

  it('rolls back when a health check fails: the old commit keeps serving and the run says so', async () => {
    const stack = makeStack(temp, TWO_STAGES);
    await writeStageState(stack.root, 'dev', { kind: 'healthy', commit: OLD_COMMIT, artifact: 'sha256-old', url: 'http://127.0.0.1:9/' });
    const exec = new ScriptedExecutor({ 'stage:dev:health': { status: 'failed', summary: 'GET /health answered 500 for 30 s' } });
    const events: RunEvent[] = [];
    const run = await runPipeline({ stack, executor: exec, commit: COMMIT, onEvent: e => events.push(e) });
    assert.equal(run.status, 'failed');
    assert.deepEqual(exec.rollbacks.map(r => r.stage), ['dev']);
    assert.match(exec.rollbacks[0].reason, /health check failed: GET \/health answered 500/);
    assert.equal(exec.rollbacks[0].aborted, false);
    assert.ok(!exec.ids().includes('stage:dev:synthetic') && !exec.ids().includes('stage:dev:promote') && !exec.ids().includes('stage:test:deploy'));
    assert.match(run.outcome ?? '', /^rolled back: dev keeps serving 99887766/);
    assert.deepEqual(run.rollback, { stage: 'dev', keeps: OLD_COMMIT, reason: run.rollback!.reason });
    assert.equal(run.stageRecords.dev.status, 'rolled-back');
    assert.equal(run.stageRecords.dev.previousCommit, OLD_COMMIT);
    assert.ok(events.some(e => e.type === 'rolled-back' && e.stage === 'dev' && e.keeps === OLD_COMMIT));
    // The stage's recorded state still names the old version.
    assert.equal((await readStageState(stack.root, 'dev')).commit, OLD_COMMIT);
  });

  it('rolls back on failed synthetic checks too, but not on a failed migration', async () => {
    const stack = makeStack(temp, 'stack: shop\nservice:\n  migrate: npm run migrate\nstages:\n  - name: dev\n');
    const synth = new ScriptedExecutor({ 'stage:dev:synthetic': { status: 'failed', summary: 'GET /info: expected 200, got 404' } });
    const r1 = await runPipeline({ stack, executor: synth, commit: COMMIT });
    assert.deepEqual(synth.rollbacks.map(r => r.stage), ['dev']);
    assert.match(r1.outcome ?? '', /^rolled back: dev had no earlier version/);
    const migrate = new ScriptedExecutor({ 'stage:dev:migrate': { status: 'failed', summary: 'relation exists' } });
    const r2 = await runPipeline({ stack, executor: migrate, commit: COMMIT });
    assert.equal(r2.status, 'failed');
    assert.deepEqual(migrate.rollbacks, []);
    assert.ok(!migrate.ids().includes('stage:dev:deploy'));
  });

  it('shows warning outcomes: the run succeeds and says what was not checked', async () => {
    const stack = makeStack(temp, TWO_STAGES);
    const exec = new ScriptedExecutor({ 'build:audit': { status: 'warning', summary: 'advisory service unreachable: dependencies not audited' } });
    const events: RunEvent[] = [];
    const run = await runPipeline({ stack, executor: exec, commit: COMMIT, onEvent: e => events.push(e) });
    assert.equal(run.status, 'succeeded');
    assert.equal(run.steps.find(s => s.id === 'build:audit')!.status, 'warning');
    assert.deepEqual(run.warnings, ['build:audit: advisory service unreachable: dependencies not audited']);
    assert.match(run.outcome ?? '', /succeeded with 1 warning \(build:audit: advisory service unreachable/);
    assert.ok(events.some(e => e.type === 'step-finished' && e.step.id === 'build:audit' && e.step.status === 'warning'));
    assert.ok(exec.ids().includes('stage:test:promote'), 'a warning does not stop the flow');
  });

  it('streams events in order: run started, each step started then finished, log lines, run finished', async () => {
    const stack = makeStack(temp, 'stack: shop\nstages:\n  - name: dev\n');
    const handle = startRun({ stack, executor: new ScriptedExecutor(), commit: COMMIT });
    const events: RunEvent[] = [];
    const off = handle.events.subscribe(e => events.push(e));
    handle.events.subscribe(() => {
      throw new Error('a broken listener must not break the run');
    });
    const run = await handle.done;
    off();
    assert.equal(run.status, 'succeeded');
    assert.equal(events[0].type, 'run-started');
    assert.equal(events.at(-1)!.type, 'run-finished');
    const stepEvents = events.filter(e => e.type === 'step-started' || e.type === 'step-finished').map(e => `${e.type}:${(e as { step: { id: string } }).step.id}`);
    const expected = run.steps.flatMap(s => [`step-started:${s.id}`, `step-finished:${s.id}`]);
    assert.deepEqual(stepEvents, expected);
    assert.ok(events.some(e => e.type === 'log' && e.stepId === 'stage:dev:deploy' && e.line === 'running stage:dev:deploy'));
  });

  it('cancels by AbortSignal: the current step gets the signal, the candidate is rolled back, the run ends cancelled', async () => {
    const stack = makeStack(temp, TWO_STAGES);
    let childDone: Promise<unknown> | undefined;
    let started!: () => void;
    const running = new Promise<void>(r => (started = r));
    const exec = new ScriptedExecutor({
      // A real long command that must end when the run is cancelled.
      'stage:dev:health': (_step, ctx) => {
        childDone = runShell('sleep 30', { cwd: stack.root, signal: ctx.signal, killGraceMs: 500 }).catch(e => e);
        started();
        return childDone.then(() => ({ status: 'succeeded' as const, summary: 'never' }));
      },
    });
    const controller = new AbortController();
    const handle = startRun({ stack, executor: exec, commit: COMMIT, signal: controller.signal });
    await running;
    const t0 = Date.now();
    controller.abort();
    const run = await handle.done;
    assert.ok(Date.now() - t0 < 5000, 'cancelling is prompt');
    const ended = await childDone;
    assert.ok(ended instanceof StagecraftError && ended.cancelled, 'the step\'s command was ended by the signal');
    assert.equal(run.status, 'cancelled');
    assert.match(run.outcome ?? '', /^cancelled during stage:dev:health/);
    assert.equal(run.steps.find(s => s.id === 'stage:dev:health')!.status, 'cancelled');
    assert.deepEqual(exec.rollbacks.map(r => r.stage), ['dev']);
    assert.match(run.outcome ?? '', /rolled back: dev keeps serving nothing/);
    assert.ok(!exec.ids().includes('stage:dev:synthetic'));
    const reread = await readRun(stack.root, run.id);
    assert.equal(reread.status, 'cancelled');
  });

  it('ends a cancelled run even when a step ignores the signal (after the grace period)', async () => {
    const stack = makeStack(temp, TWO_STAGES);
    const exec = new ScriptedExecutor({ 'build:sbom': () => new Promise(() => undefined) });
    const handle = startRun({ stack, executor: exec, commit: COMMIT, timing: { cancelGraceMs: 100 } });
    await nextEvent(handle.events, 'step-started', e => e.step.id === 'build:sbom');
    handle.cancel();
    const run = await handle.done;
    assert.equal(run.status, 'cancelled');
    assert.equal(run.steps.find(s => s.id === 'build:sbom')!.status, 'cancelled');
  });

  it('cancels a waiting build step (it rejects with an AbortError) without rolling back outside a stage', async () => {
    const stack = makeStack(temp, TWO_STAGES);
    const exec = new ScriptedExecutor({ 'build:unit-tests': hangs() });
    const handle = startRun({ stack, executor: exec, commit: COMMIT });
    await nextEvent(handle.events, 'log', e => e.line === 'running build:unit-tests');
    handle.cancel();
    const run = await handle.done;
    assert.equal(run.status, 'cancelled');
    assert.equal(run.steps.find(s => s.id === 'build:unit-tests')!.status, 'cancelled');
    assert.deepEqual(exec.rollbacks, []);
  });

  it('does not start a step once the run is cancelled', async () => {
    const stack = makeStack(temp, TWO_STAGES);
    const exec = new ScriptedExecutor();
    const controller = new AbortController();
    controller.abort();
    const run = await startRun({ stack, executor: exec, commit: COMMIT, signal: controller.signal }).done;
    assert.equal(run.status, 'cancelled');
    assert.deepEqual(exec.ids(), []);
    assert.match(run.outcome ?? '', /^cancelled before source/);
  });

  it('promotes an existing artifact to one stage without building', async () => {
    const stack = makeStack(temp, TWO_STAGES);
    const exec = new ScriptedExecutor();
    const run = await runPipeline({ stack, executor: exec, commit: COMMIT, stages: ['test'], artifact: { id: 'sha256-dev-built', commit: COMMIT } });
    assert.equal(run.status, 'succeeded');
    assert.equal(exec.builds, 0);
    assert.deepEqual(exec.ids(), ['stage:test:deploy', 'stage:test:health', 'stage:test:synthetic', 'stage:test:promote']);
    assert.ok(exec.calls.every(c => c.artifact === 'sha256-dev-built'));
    assert.equal(run.stageRecords.test.artifact, 'sha256-dev-built');
  });
});
