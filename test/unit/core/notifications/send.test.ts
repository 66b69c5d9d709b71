import * as assert from 'node:assert/strict';
import { notificationBody, postJson, type NotificationFacts } from '../../../../src/core/notifications';
import { WebhookReceiver } from './receiver';

const FACTS: NotificationFacts = { event: 'approval-needed', stack: 'shop', stage: 'prod', commit: 'abcdef1234567890', run: 'r-1', url: 'http://127.0.0.1:9/x', message: 'Commit abcdef12 waits for approval to go to prod <now>' };

describe('core/notifications: bodies and the sender', function () {
  this.timeout(20_000);
  let receiver: WebhookReceiver;
  before(async () => (receiver = await new WebhookReceiver().start()));
  after(() => receiver.stop());

  it('Slack: text for the fallback and blocks with the facts, markup escaped', () => {
    const body = notificationBody('slack', FACTS) as { text: string; blocks: Array<{ type: string; text?: { text: string }; elements?: Array<{ text: string }> }> };
    assert.equal(body.text, 'Approval needed: Commit abcdef12 waits for approval to go to prod <now>');
    assert.equal(body.blocks[0].type, 'section');
    assert.match(body.blocks[0].text!.text, /^\*Approval needed\*: Commit abcdef12 waits for approval to go to prod &lt;now&gt;\n<http:\/\/127\.0\.0\.1:9\/x\|/);
    assert.equal(body.blocks[1].elements![0].text, 'stack *shop* · stage *prod* · commit `abcdef12` · run r-1');
  });

  it('Teams: a MessageCard with the facts; generic: the plain fields', () => {
    const card = notificationBody('teams', FACTS) as Record<string, unknown>;
    assert.equal(card['@type'], 'MessageCard');
    assert.equal(card.title, 'Stagecraft: Approval needed');
    assert.deepEqual((card.sections as Array<{ facts: unknown }>)[0].facts, [
      { name: 'Stack', value: 'shop' },
      { name: 'Stage', value: 'prod' },
      { name: 'Commit', value: 'abcdef12' },
      { name: 'Run', value: 'r-1' },
      { name: 'URL', value: 'http://127.0.0.1:9/x' },
    ]);
    assert.deepEqual(notificationBody('generic', { ...FACTS, url: undefined }), { event: 'approval-needed', stack: 'shop', stage: 'prod', commit: 'abcdef1234567890', run: 'r-1', message: FACTS.message });
  });

  it('posts JSON once to a receiver that answers 200', async () => {
    const result = await postJson(receiver.url('ok', 'a'), { hello: 1 });
    assert.deepEqual(result, { ok: true, attempts: 1 });
    assert.deepEqual(receiver.received.filter(r => r.path === '/ok/a').map(r => [r.contentType, r.body]), [['application/json', { hello: 1 }]]);
  });

  it('retries a 500 and then gives up with the status; a 404 is not retried', async () => {
    const broken = await postJson(receiver.url('broken', 'b'), {}, { retryDelaysMs: [10, 10] });
    assert.deepEqual(broken, { ok: false, attempts: 3, reason: 'HTTP 500 (no)' });
    assert.equal(receiver.received.filter(r => r.path === '/broken/b').length, 3);
    const gone = await postJson(receiver.url('gone', 'c'), {}, { retryDelaysMs: [10, 10] });
    assert.deepEqual(gone, { ok: false, attempts: 1, reason: 'HTTP 404 (no)' });
  });

  it('bounds a receiver that never answers by the timeout of each attempt', async () => {
    const started = Date.now();
    const hung = await postJson(receiver.url('hang', 'd'), {}, { timeoutMs: 200, retryDelaysMs: [10] });
    assert.deepEqual(hung, { ok: false, attempts: 2, reason: 'no answer within 200 ms' });
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
  });

  it('names a refused connection without the URL', async () => {
    const closed = new WebhookReceiver();
    await closed.start();
    const url = closed.url('ok', 'secret-token-e');
    await closed.stop();
    const result = await postJson(url, {}, { retryDelaysMs: [] });
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.reason, 'ECONNREFUSED');
  });
});
