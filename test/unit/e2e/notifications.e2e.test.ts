import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from '../../../src/core/workspace';
import { storeStageSecret } from '../../../src/local/stageSecrets';
import { WebhookReceiver } from '../core/notifications/receiver';
import { cliOk, CliProcess, ensureCliBuilt } from './support/cli';
import { destroyStages } from './support/cleanup';
import { SampleRepo } from './support/sampleRepo';

const STACK = `stack: notify
branchModel: trunk
service:
  dockerfile: Dockerfile
  port: 8080
  healthCheck: /health
stages:
  - name: dev
    provider: local
  - name: test
    provider: local
    requireApproval: true
notifications:
  - webhook: { secret: CHAT_WEBHOOK }    # the URL is a stage secret, never in this file
    format: slack
    events: [run-started, approval-needed, run-succeeded]
  - webhook: { secret: AUDIT_WEBHOOK }
    format: generic
    stages: [test]
`;

/**
 * A real run of the sample service (local provider, real git, the built CLI) with two webhooks on
 * a local HTTP receiver: one that works (Slack format) and one that answers 500 (generic).
 */
describe('e2e: notifications of a real run reach a webhook; a broken one only warns', function () {
  this.timeout(240_000);
  const CHAT_TOKEN = `chat-${process.pid}-5e1f`;
  const AUDIT_TOKEN = `audit-${process.pid}-9b3c`;
  let repo: SampleRepo;
  let receiver: WebhookReceiver;
  let output = '';
  let exitCode: number | null = null;

  before(async function () {
    ensureCliBuilt();
    receiver = await new WebhookReceiver().start();
    repo = new SampleRepo({ stackYaml: STACK, keepTests: ['config.test.js'] });
    // As `stagecraft env set dev CHAT_WEBHOOK --secret` stores it (the URL read from stdin).
    await storeStageSecret(repo.dir, 'dev', 'CHAT_WEBHOOK', receiver.url('ok', CHAT_TOKEN));
    await storeStageSecret(repo.dir, 'test', 'AUDIT_WEBHOOK', receiver.url('broken', AUDIT_TOKEN));
    const run = new CliProcess(['pipeline', 'run', '--verbose'], repo.dir);
    await run.waitFor(/⏸ test waits for approval/, 200_000);
    await cliOk(['approve', 'test'], repo.dir);
    const result = await run.done;
    output = result.output;
    exitCode = result.code;
  });

  after(async function () {
    await receiver?.stop();
    if (!repo) return;
    const problems = await destroyStages(repo.dir, ['dev', 'test']);
    if (problems.length) console.log(`    cleanup: ${problems.join('\n    cleanup: ')}`);
    repo.remove();
  });

  it('the run succeeds although one webhook answers 500: that is a warning in its output', () => {
    assert.equal(exitCode, 0, output);
    assert.match(output, /Run \S+ succeeded/);
    assert.match(output, /⚠ notification: Notification run-started \(webhook AUDIT_WEBHOOK, generic\) was not delivered after 3 attempts: HTTP 500 \(no\); the run goes on\./);
    assert.equal(receiver.bodiesAt(`/broken/${AUDIT_TOKEN}`).length, 9, 'run-started, approval-needed and run-succeeded, three attempts each');
  });

  it('the Slack webhook got run-started, approval-needed and run-succeeded with the right JSON', () => {
    const bodies = receiver.bodiesAt(`/ok/${CHAT_TOKEN}`) as Array<{ text: string; blocks: Array<{ type: string; elements?: Array<{ text: string }> }> }>;
    const commit = repo.head().slice(0, 8);
    assert.deepEqual(bodies.map(b => b.text.split(':')[0]), ['Run started', 'Approval needed', 'Run succeeded']);
    assert.match(bodies[0].text, new RegExp(`^Run started: Run \\S+ of stack notify: commit ${commit} on main, stages dev → test$`));
    assert.match(bodies[1].text, new RegExp(`^Approval needed: Commit ${commit} waits for approval to go to test`));
    assert.match(bodies[2].text, new RegExp(`^Run succeeded: Run \\S+ succeeded.*commit ${commit}.*now serving on dev, test`));
    assert.deepEqual(bodies.map(b => b.blocks.map(k => k.type)), [['section', 'context'], ['section', 'context'], ['section', 'context']]);
    assert.match(bodies[1].blocks[1].elements![0].text, new RegExp(`^stack \\*notify\\* · stage \\*test\\* · commit \`${commit}\` · run \\S+$`));
  });

  it('the generic webhook got the plain fields', () => {
    const first = receiver.bodiesAt(`/broken/${AUDIT_TOKEN}`)[0];
    assert.deepEqual(Object.keys(first).sort(), ['commit', 'event', 'message', 'run', 'stack', 'stage']);
    assert.deepEqual([first.event, first.stack, first.stage, first.commit], ['run-started', 'notify', 'test', repo.head()]);
  });

  it('no webhook URL appears in the run output, the run log or the run record', () => {
    const runs = join(stateDir(repo.dir), 'runs');
    const files = readdirSync(runs, { recursive: true, withFileTypes: true }).filter(f => f.isFile()).map(f => join(f.parentPath, f.name));
    assert.ok(files.some(f => f.endsWith('run.log')));
    for (const [what, text] of [['output', output], ...files.map(f => [f, readFileSync(f, 'utf8')])]) {
      assert.ok(!text.includes(CHAT_TOKEN) && !text.includes(AUDIT_TOKEN), `a webhook URL in ${what}`);
    }
  });
});
