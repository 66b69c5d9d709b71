import * as assert from 'node:assert/strict';
import { reject, runPipeline, startRun, type RunEvent } from '../../../src/core/pipeline';
import { runHeader, RunOutputFormat, runToast } from '../../../src/ui/progress/runOutputFormat';
import { errorToastText } from '../../../src/ui/toastText';
import { makeStack, ScriptedExecutor, Temp } from '../core/pipeline/helpers';

const COMMIT = 'abc1234f00dabc1234f00dabc1234f00dabc1234';
const THREE = 'stack: shop\nstages:\n  - name: dev\n  - name: test\n  - name: prod\n';
const ADVISORY = 'dependency audit: 0 critical, 1 high (https://github.com/advisories/GHSA-xxxx-yyyy-zzzz)';

describe('ui/progress: the end-of-run notification and the runs channel (no vscode)', () => {
  const temp = new Temp();
  after(() => temp.cleanup());

  it('a release with a warning: one line, warning level, no run id and no URL', async () => {
    const stack = makeStack(temp, THREE);
    const run = await runPipeline({ stack, executor: new ScriptedExecutor({ 'build:audit': { status: 'warning', summary: ADVISORY } }), commit: COMMIT, recordStageState: false });
    const toast = runToast(run)!;
    assert.deepEqual(toast, { level: 'warning', text: 'Released abc1234 to dev, test, prod — 1 warning' });
    assert.ok(!toast.text.includes(run.id) && !/https?:/.test(toast.text) && !toast.text.includes('\n'));
  });

  it('a clean release is info; a failure is an error naming the step; a cancelled run shows nothing', async () => {
    const stack = makeStack(temp, THREE);
    const clean = await runPipeline({ stack, executor: new ScriptedExecutor(), commit: COMMIT, stages: ['dev'], recordStageState: false });
    assert.deepEqual(runToast(clean), { level: 'info', text: 'Released abc1234 to dev' });
    const failed = await runPipeline({ stack, executor: new ScriptedExecutor({ 'stage:dev:health': { status: 'failed', summary: 'GET http://127.0.0.1:4100/health answered 503' } }), commit: COMMIT, stages: ['dev'], recordStageState: false });
    const toast = runToast(failed)!;
    assert.equal(toast.level, 'error');
    assert.match(toast.text, /^Release of abc1234 failed at dev: health check/);
    assert.ok(!/https?:/.test(toast.text));
    assert.equal(runToast({ ...clean, status: 'cancelled' }), undefined);
    // A rollback (Roll Back Stage…) says what it did, not "Released".
    assert.deepEqual(runToast({ ...clean, rollbackTo: { stage: 'dev', commit: COMMIT } }), { level: 'info', text: 'Rolled dev back to abc1234' });
  });

  it('a rejection is said once: who rejected, and where the commit runs', async () => {
    const stack = makeStack(temp, 'stack: shop\nstages:\n  - name: dev\n  - name: prod\n    requireApproval: true\n');
    const handle = startRun({ stack, executor: new ScriptedExecutor(), commit: COMMIT, recordStageState: false });
    await new Promise<void>(resolve => handle.events.on('awaiting-approval', () => resolve()));
    await reject(stack.root, 'prod', { by: 'Ada', comment: 'not on a Friday' });
    const run = await handle.done;
    assert.equal(run.status, 'rejected');
    const toast = runToast(run)!;
    assert.deepEqual(toast, { level: 'warning', text: 'Promotion of abc1234 to prod rejected by Ada; dev runs it' });
    assert.equal(toast.text.match(/reject/g)?.length, 1);
  });

  it('each run in the shared channel starts with a header: run id, stack, commit, stages, time; no ⏸ glyph', async () => {
    const stack = makeStack(temp, 'stack: shop\nstages:\n  - name: prod\n    requireApproval: true\n');
    const format = new RunOutputFormat();
    const out: string[] = [];
    let header = '';
    const handle = startRun({
      stack,
      executor: new ScriptedExecutor(),
      commit: COMMIT,
      recordStageState: false,
      onEvent: (e: RunEvent) => {
        if (e.type === 'run-started') header = runHeader(e.run);
        out.push(...format.lines(e));
      },
    });
    await new Promise<void>(resolve => handle.events.on('awaiting-approval', () => resolve()));
    await reject(stack.root, 'prod', { by: 'Ada' });
    const run = await handle.done;
    assert.match(header, new RegExp(`^==== Run ${run.id} · shop · commit abc1234 · prod · .+ ====$`));
    assert.ok(out.some(l => / prod waits for approval/.test(l)));
    assert.ok(!out.some(l => l.includes('⏸')), out.join('\n'));
  });

  it('an error toast keeps the first line and the hint; the branch table goes to the output', () => {
    const message = 'Branch spike/idea deploys to no stage: no stage lists it. Nothing was deployed.\nThe branches of stack shop:\n  develop → dev\n  main    → prod';
    const toast = errorToastText(message, 'Switch to a mapped branch.');
    assert.deepEqual(toast, { text: 'Branch spike/idea deploys to no stage: no stage lists it. Nothing was deployed. Switch to a mapped branch.', more: true });
    assert.deepEqual(errorToastText('One line.'), { text: 'One line.', more: false });
  });
});
