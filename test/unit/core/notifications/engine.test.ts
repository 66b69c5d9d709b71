import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { approve, runDir, startRun, type RunRecord } from '../../../../src/core/pipeline';
import { makeStack, ScriptedExecutor, Temp } from '../pipeline/helpers';
import { WebhookReceiver } from './receiver';

const C1 = 'c'.repeat(40);

/** The scripted provider, plus stage secrets as a provider keeps them. */
class ExecutorWithSecrets extends ScriptedExecutor {
  constructor(private readonly secrets: Record<string, Record<string, string>>, script: ConstructorParameters<typeof ScriptedExecutor>[0] = {}) {
    super(script);
  }
  async readSecret(stage: string, name: string): Promise<string | undefined> {
    return this.secrets[stage]?.[name];
  }
}

function yaml(notifications: string): string {
  return `stack: shop\nstages:\n  - name: dev\n  - name: prod\n    requireApproval: true\nnotifications:\n${notifications}`;
}

const FAST = { heartbeatMs: 50, approvalPollMs: 20, notificationTimeoutMs: 300, notificationRetryDelaysMs: [20, 20] };

describe('core/notifications through the pipeline engine', function () {
  this.timeout(30_000);
  const temp = new Temp();
  let receiver: WebhookReceiver;
  before(async () => (receiver = await new WebhookReceiver().start()));
  after(async () => {
    await receiver.stop();
    temp.cleanup();
  });

  /** Runs to the end, approving prod when asked. */
  async function run(stackYaml: string, executor: ScriptedExecutor): Promise<{ record: RunRecord; log: string }> {
    const stack = makeStack(temp, stackYaml);
    const handle = startRun({ stack, executor, commit: C1, timing: FAST });
    handle.events.on('awaiting-approval', e => void approve(stack.root, { stage: e.stage, runId: handle.runId }, { by: 'Ann' }));
    const record = await handle.done;
    return { record, log: readFileSync(join(runDir(stack.root, handle.runId), 'run.log'), 'utf8') };
  }

  it('sends run-started, approval-needed and run-succeeded, each in its format, with the run facts', async () => {
    const url = receiver.url('ok', 'tok-one');
    const { record } = await run(yaml('  - webhook: { secret: HOOK }\n    format: generic\n'), new ExecutorWithSecrets({ dev: { HOOK: url } }));
    assert.equal(record.status, 'succeeded', record.outcome);
    assert.deepEqual(record.warnings, []);
    const bodies = receiver.bodiesAt('/ok/tok-one');
    assert.deepEqual(bodies.map(b => [b.event, b.stage]), [['run-started', 'prod'], ['approval-needed', 'prod'], ['run-succeeded', 'prod']]);
    for (const b of bodies) assert.deepEqual([b.stack, b.commit, b.run], ['shop', C1, record.id]);
    assert.match(String(bodies[1].message), /^Commit cccccccc waits for approval to go to prod \(until .*\): `stagecraft approve prod`/);
    assert.equal(bodies[2].url, 'http://127.0.0.1:1/prod', "the stage's URL when the run knows it");
  });

  it('a failed deploy sends rolled-back and run-failed; `events:` and `stages:` filter', async () => {
    const url = receiver.url('ok', 'tok-two');
    const executor = new ExecutorWithSecrets({ dev: { HOOK: url } }, { 'stage:dev:health': { status: 'failed', summary: 'GET /health answered 500' } });
    const { record } = await run(yaml('  - webhook: { secret: HOOK }\n    events: [rolled-back, run-failed]\n  - webhook: { secret: HOOK }\n    stages: [prod]\n    events: [rolled-back]\n'), executor);
    assert.equal(record.status, 'failed');
    const bodies = receiver.bodiesAt('/ok/tok-two');
    assert.deepEqual(bodies.map(b => [b.event, b.stage]), [['rolled-back', 'dev'], ['run-failed', 'dev']], 'the prod-only entry heard nothing: dev rolled back');
    assert.match(String(bodies[0].message), /^Rolled back dev: dev: health check failed: GET \/health answered 500/);
  });

  it('a run that fails before any stage sends run-failed about no stage', async () => {
    const url = receiver.url('ok', 'tok-build');
    const executor = new ExecutorWithSecrets({ dev: { HOOK: url } }, { 'build:artifact': { status: 'failed', summary: 'npm run build exited 1' } });
    const { record } = await run(yaml('  - webhook: { secret: HOOK }\n    events: [run-failed]\n'), executor);
    assert.equal(record.status, 'failed');
    const [body] = receiver.bodiesAt('/ok/tok-build');
    assert.deepEqual([body.event, body.stage, 'url' in body], ['run-failed', null, false]);
    assert.match(String(body.message), /failed at build:artifact .*npm run build exited 1/);
  });

  it('a receiver that answers 500 or hangs makes a warning, never a failure; the URL appears nowhere', async () => {
    const broken = receiver.url('broken', 'tok-broken-3f9a');
    const hang = receiver.url('hang', 'tok-hang-77c2');
    const { record, log } = await run(
      yaml('  - webhook: { secret: BROKEN }\n    events: [run-started]\n  - webhook: { secret: HUNG }\n    format: slack\n    events: [run-succeeded]\n'),
      new ExecutorWithSecrets({ dev: { BROKEN: broken, HUNG: hang } }),
    );
    assert.equal(record.status, 'succeeded', record.outcome);
    assert.deepEqual([...record.warnings].sort(), [
      'notification: Notification run-started (webhook BROKEN, generic) was not delivered after 3 attempts: HTTP 500 (no); the run goes on.',
      'notification: Notification run-succeeded (webhook HUNG, slack) was not delivered after 3 attempts: no answer within 300 ms; the run goes on.',
    ]);
    assert.match(log, /⚠ Notification run-started \(webhook BROKEN, generic\) was not delivered after 3 attempts: HTTP 500/);
    assert.equal(receiver.bodiesAt('/broken/tok-broken-3f9a').length, 3);
    for (const text of [log, JSON.stringify(record)]) {
      assert.ok(!text.includes('tok-broken-3f9a') && !text.includes('tok-hang-77c2'), 'no webhook URL in the run log or record');
    }
  });

  it('a secret that no stage of the run has, or that is not a URL, is a warning naming the secret and how to set it', async () => {
    const { record } = await run(yaml('  - webhook: { secret: NOWHERE }\n    events: [run-started]\n  - webhook: { secret: NOT_URL }\n    events: [run-started]\n'), new ExecutorWithSecrets({ prod: { NOT_URL: 'hooks.example.com/x' } }));
    assert.equal(record.status, 'succeeded');
    assert.deepEqual([...record.warnings].sort(), [
      'notification: Notification run-started (webhook NOT_URL, generic) was not sent: the secret NOT_URL is not an http(s) URL.',
      'notification: Notification run-started (webhook NOWHERE, generic) was not sent: no stage of this run (dev, prod) has the secret NOWHERE. Store the webhook URL with `stagecraft env set dev NOWHERE --secret` (the URL is read from standard input).',
    ]);
  });
});
