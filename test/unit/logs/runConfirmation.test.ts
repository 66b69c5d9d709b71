import * as assert from 'node:assert/strict';
import { runConfirmation } from '../../../src/ui/commands/runConfirmation';
import { makeStack, Temp } from '../core/pipeline/helpers';

describe('ui/commands: what Run Pipeline asks before a run (no vscode)', () => {
  const temp = new Temp();
  after(() => temp.cleanup());

  it('names the stages of a path through a protected stage, and which needs approval', () => {
    const stack = makeStack(temp, 'stack: shop\nstages:\n  - name: dev\n  - name: test\n  - name: prod\n    requireApproval: true\n');
    assert.ok(stack.stages[2].protected, 'a stage that requires approval is protected');
    assert.equal(runConfirmation('abc1234f00d', stack.stages), 'Run abc1234 through dev → test → prod (prod needs approval)?');
  });

  it('asks nothing when no stage of the path is protected', () => {
    const stack = makeStack(temp, 'stack: shop\nstages:\n  - name: dev\n  - name: test\n  - name: prod\n    requireApproval: true\n');
    assert.equal(runConfirmation('abc1234f00d', stack.stages.slice(0, 2)), undefined);
  });
});
