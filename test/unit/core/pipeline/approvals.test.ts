import * as assert from 'node:assert/strict';
import { StagecraftError } from '../../../../src/core/errors';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { approve, findPendingApproval, findPendingApprovals, readRun, reject, resumeRun, runDir, startRun } from '../../../../src/core/pipeline';
import { decisionFile } from '../../../../src/core/pipeline/approvals';
import { exited, firstJsonLine, makeStack, nextEvent, ScriptedExecutor, spawnChild, Temp } from './helpers';

const COMMIT = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
const GATED = 'stack: shop\nstages:\n  - name: dev\n  - name: prod\n    requireApproval: true\n';

describe('pipeline approvals', () => {
  const temp = new Temp();
  const children: Array<ReturnType<typeof spawnChild>> = [];
  const handles: Array<ReturnType<typeof startRun>> = [];
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const h of handles) h.cancel();
    await Promise.allSettled(handles.map(h => h.done));
    temp.cleanup();
  });

  function gatedRun(yaml = GATED, exec = new ScriptedExecutor()) {
    const stack = makeStack(temp, yaml);
    // A slow poll: the watcher alone must notice decisions quickly.
    const handle = startRun({ stack, executor: exec, commit: COMMIT, timing: { approvalPollMs: 60_000 } });
    handles.push(handle);
    return { stack, exec, handle, waiting: nextEvent(handle.events, 'awaiting-approval') };
  }

  it('holds at the gate until another process approves, then records who, when and why', async () => {
    const { stack, exec, handle, waiting } = gatedRun();
    const awaiting = await waiting;
    assert.equal(awaiting.stage, 'prod');
    assert.ok(exec.ids().includes('stage:dev:promote'));
    assert.ok(!exec.ids().some(id => id.startsWith('stage:prod')), 'nothing after the gate runs before approval');

    const live = await readRun(stack.root, handle.runId);
    assert.equal(live.status, 'awaiting-approval');
    const pending = await findPendingApproval(stack.root, 'prod');
    assert.equal(pending?.runId, handle.runId);
    assert.equal(pending?.live, true);
    assert.equal(pending?.commit, COMMIT);
    // Default timeout: 7 days.
    assert.equal(Date.parse(pending!.expiresAt) - Date.parse(pending!.requestedAt), 7 * 86_400_000);

    const before = Date.now();
    const child = spawnChild(['approve', stack.root, 'prod', 'Grace Hopper', 'checked on test']);
    children.push(child);
    const decision = await firstJsonLine(child);
    assert.equal(await exited(child), 0);
    assert.equal(decision.decision, 'approved');

    const run = await handle.done;
    assert.ok(Date.now() - before < 10_000);
    assert.equal(run.status, 'succeeded');
    const gate = run.steps.find(s => s.id === 'stage:prod:approval')!;
    assert.equal(gate.status, 'succeeded');
    assert.equal(gate.approval?.decision, 'approved');
    assert.equal(gate.approval?.by, 'Grace Hopper');
    assert.equal(gate.approval?.comment, 'checked on test');
    assert.ok(Date.parse(gate.approval!.at!) >= before - 1000);
    assert.equal(gate.summary, 'approved by Grace Hopper: checked on test');
    assert.ok(exec.ids().includes('stage:prod:promote'));
    assert.equal(await findPendingApproval(stack.root, 'prod'), undefined);
  });

  it('stops the run when rejected: nothing is deployed to the gated stage', async () => {
    const { stack, exec, handle, waiting } = gatedRun();
    await waiting;
    const d = await reject(stack.root, 'prod', { by: 'Linus', comment: 'wait for the fix' });
    assert.equal(d.decision, 'rejected');
    const run = await handle.done;
    assert.equal(run.status, 'rejected');
    assert.match(run.outcome ?? '', /^rejected: promotion of c0ffee00 to prod rejected by Linus: wait for the fix/);
    assert.equal(run.steps.find(s => s.id === 'stage:prod:approval')!.status, 'failed');
    assert.ok(!exec.ids().includes('stage:prod:deploy'));
    await assert.rejects(approve(stack.root, handle.runId, { by: 'late' }), (e: unknown) => e instanceof StagecraftError && e.kind === 'input');
  });

  it('takes the first decision only', async () => {
    const { stack, handle, waiting } = gatedRun();
    await waiting;
    const results = await Promise.allSettled([approve(stack.root, handle.runId, { by: 'a' }), reject(stack.root, handle.runId, { by: 'b' })]);
    assert.equal(results.filter(r => r.status === 'fulfilled').length, 1);
    const refused = results.find(r => r.status === 'rejected') as PromiseRejectedResult;
    assert.match(String(refused.reason.message), /already (approved|rejected) by (a|b)/);
    await handle.done;
  });

  it('fails with "approval timed out" when nobody decides in time', async () => {
    const { handle, exec } = gatedRun('stack: shop\nstages:\n  - name: prod\n    requireApproval: true\n    approvalTimeout: 300ms\n');
    const t0 = Date.now();
    const run = await handle.done;
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(run.status, 'failed');
    const gate = run.steps.find(s => s.id === 'stage:prod:approval')!;
    assert.match(gate.summary ?? '', /^approval timed out/);
    assert.equal(gate.approval?.decision, 'timed-out');
    assert.ok(!exec.ids().includes('stage:prod:deploy'));
  });

  it('a corrupt decision file fails the gate, naming the file, instead of waiting as if nobody decided', async () => {
    const { stack, exec, handle, waiting } = gatedRun();
    const awaiting = await waiting;
    const file = decisionFile(runDir(stack.root, handle.runId), 'prod', awaiting.step.approval!.requestId);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '{"decision": "appro');
    const run = await handle.done;
    assert.equal(run.status, 'failed');
    const gate = run.steps.find(s => s.id === 'stage:prod:approval')!;
    assert.equal(gate.status, 'failed');
    assert.ok(gate.summary?.startsWith(`The approval decision ${file} is not valid JSON`), gate.summary);
    assert.ok(!exec.ids().includes('stage:prod:deploy'));
  });

  it('can be cancelled while waiting', async () => {
    const { handle, waiting } = gatedRun();
    await waiting;
    handle.cancel();
    const run = await handle.done;
    assert.equal(run.status, 'cancelled');
    assert.equal(run.steps.find(s => s.id === 'stage:prod:approval')!.status, 'cancelled');
  });

  it('approves automatically with --auto-approve, recording for whom', async () => {
    const stack = makeStack(temp, GATED);
    const run = await startRun({ stack, executor: new ScriptedExecutor(), commit: COMMIT, autoApprove: { by: 'ci-bot' } }).done;
    assert.equal(run.status, 'succeeded');
    const gate = run.steps.find(s => s.id === 'stage:prod:approval')!;
    assert.equal(gate.approval?.by, 'ci-bot');
    assert.equal(gate.approval?.decision, 'approved');
  });

  it('keeps an approval given while the waiting process was gone, for the resumed run', async () => {
    const stack = makeStack(temp, GATED);
    const child = spawnChild(['run', stack.root, 'none']);
    children.push(child);
    const { runId, awaiting } = await firstJsonLine(child);
    assert.equal(awaiting, 'prod');
    child.kill('SIGKILL');
    await exited(child);

    const pending = await findPendingApprovals(stack.root);
    assert.equal(pending.length, 1);
    assert.equal(pending[0].live, false);
    assert.equal((await readRun(stack.root, runId)).status, 'interrupted');
    await approve(stack.root, 'prod', { by: 'Ada', comment: 'ok while away' });
    // Issue 20 item 11: approved, the stage no longer reads as awaiting approval (status, tree).
    assert.deepEqual(await findPendingApprovals(stack.root), []);

    const exec = new ScriptedExecutor();
    const run = await resumeRun(stack.root, runId, { stack, executor: exec }).done;
    assert.equal(run.status, 'succeeded');
    assert.equal(run.steps.find(s => s.id === 'stage:prod:approval')!.approval?.by, 'Ada');
    assert.deepEqual(exec.ids(), ['stage:prod:deploy', 'stage:prod:health', 'stage:prod:synthetic', 'stage:prod:promote']);
  });

  it('says when no run waits for the stage', async () => {
    const stack = makeStack(temp, GATED);
    await assert.rejects(approve(stack.root, 'prod', { by: 'x' }), (e: unknown) => e instanceof StagecraftError && e.kind === 'input' && /No run is waiting for approval to promote to stage prod/.test(e.message));
  });
});
