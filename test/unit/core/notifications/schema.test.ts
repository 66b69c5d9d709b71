import * as assert from 'node:assert/strict';
import { parseStackFile } from '../../../../src/core/config/load';
import { formatProblem } from '../../../../src/core/problems';
import { builtinSchema } from '../../support/providers';

const HEAD = 'stack: shop\nstages:\n  - name: dev\n  - name: prod\nnotifications:\n';

function problems(notifications: string): string[] {
  return parseStackFile(HEAD + notifications, 'stagecraft.yaml', builtinSchema()).problems.map(formatProblem);
}

describe('core/notifications: `notifications:` in stagecraft.yaml', () => {
  it('reads webhooks with their format, events and stages; format defaults to generic', () => {
    const parsed = parseStackFile(`${HEAD}  - webhook: { secret: SLACK_HOOK }\n    format: slack\n    events: [approval-needed, rolled-back]\n    stages: [prod]\n  - webhook: { secret: AUDIT }\n`, 'stagecraft.yaml', builtinSchema());
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.stack?.notifications, [
      { webhook: { secret: 'SLACK_HOOK' }, format: 'slack', events: ['approval-needed', 'rolled-back'], stages: ['prod'] },
      { webhook: { secret: 'AUDIT' }, format: 'generic' },
    ]);
    assert.equal(parseStackFile(HEAD.replace('notifications:\n', ''), 'f', builtinSchema()).stack?.notifications, undefined);
  });

  it('every mistake is an error at its file:line, naming the field', () => {
    assert.deepEqual(problems('  - webhook: https://hooks.example.com/incoming/x\n'), ['stagecraft.yaml:6:14: notifications[0].webhook: expected a mapping (key: value), got a string']);
    assert.deepEqual(problems('  - webhook: { url: x }\n'), [
      'stagecraft.yaml:6:5: notifications[0].webhook.secret: is required: expected a string',
      'stagecraft.yaml:6:16: notifications[0].webhook.url: unknown key "url"; expected one of: secret',
    ]);
    assert.deepEqual(problems('  - webhook: { secret: "my hook" }\n'), ['stagecraft.yaml:6:24: notifications[0].webhook.secret: expected the name of a stage secret (letters, digits and underscores), e.g. SLACK_WEBHOOK']);
    assert.deepEqual(problems('  - webhook: { secret: H }\n    format: discord\n'), ['stagecraft.yaml:7:13: notifications[0].format: "discord" is not allowed: expected one of "slack", "teams", "generic"']);
    assert.deepEqual(problems('  - webhook: { secret: H }\n    events: [run-started, deployed]\n'), [
      'stagecraft.yaml:7:27: notifications[0].events[1]: "deployed" is not allowed: expected one of "run-started", "run-succeeded", "run-failed", "approval-needed", "rolled-back"',
    ]);
    assert.deepEqual(problems('  - webhook: { secret: H }\n    stages: [prod, qa]\n'), ['stagecraft.yaml:7:20: notifications[0].stages[1]: no stage is named "qa" (stages: dev, prod)']);
    assert.deepEqual(problems('  - webhook: { secret: H }\n    event: [run-started]\n'), ['stagecraft.yaml:7:5: notifications[0].event: unknown key "event"; did you mean "events"?']);
  });
});
