import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseStackFile } from '../../../src/core/config/load';
import { describeStack } from '../../../src/core/describe';
import { Providers } from '../../../src/core/providers';
import { writeStageState } from '../../../src/core/stageState';
import { TempDirs } from './support/tempDir';

describe('describe: describeStack', () => {
  const temp = new TempDirs();
  /** No provider registered: each stage reads as its recorded state. */
  const none = new Providers();
  after(() => temp.cleanup());

  function stackIn(root: string) {
    const r = parseStackFile('stack: shop\nstages:\n  - name: dev\n  - name: qa\n  - name: prod\n', join(root, 'stagecraft.yaml'));
    assert.ok(r.stack);
    return r.stack;
  }

  it('each stage with its recorded state, in order, and where the branch deploys', async () => {
    const root = temp.make();
    await writeStageState(root, 'qa', { kind: 'healthy', commit: 'c0ffee', url: 'http://127.0.0.1:4200', updatedAt: '2025-01-01T00:00:00.000Z' });
    const summary = await describeStack(stackIn(root), none, { branch: 'release/1.0', user: 'Jane Doe' });
    assert.deepEqual(
      summary.stages.map(s => [s.stage.name, s.status]),
      [
        ['dev', { kind: 'not-deployed' }],
        ['qa', { kind: 'healthy', commit: 'c0ffee', url: 'http://127.0.0.1:4200', updatedAt: '2025-01-01T00:00:00.000Z' }],
        ['prod', { kind: 'not-deployed' }],
      ],
    );
    assert.equal(summary.branch, 'release/1.0');
    assert.equal(summary.target?.stage, 'qa');
    assert.equal(summary.target?.defined?.name, 'qa');
    assert.equal(summary.stack.name, 'shop');
  });

  it('without a branch (no repository, detached HEAD) there is no target', async () => {
    const root = temp.make();
    const stack = stackIn(root);
    for (const repo of [undefined, { user: 'jane' }]) {
      const summary = await describeStack(stack, none, repo);
      assert.equal(summary.branch, undefined);
      assert.equal(summary.target, undefined);
      assert.equal(summary.stages.length, 3);
    }
  });
});
