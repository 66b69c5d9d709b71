import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StagecraftError } from '../../../../src/core/errors';
import { runPipeline } from '../../../../src/core/pipeline';
import { makeStack, ScriptedExecutor, Temp } from './helpers';

describe('pipeline: a state folder that cannot be written', () => {
  const temp = new Temp();
  after(() => temp.cleanup());

  it('stops the run before any step, naming the folder and how to move it', async () => {
    const stack = makeStack(temp, 'stack: shop\nstages:\n  - name: dev\n');
    const blocked = join(stack.root, 'not-a-folder');
    writeFileSync(blocked, 'a file where the state folder should go');
    const saved = process.env.STAGECRAFT_HOME;
    process.env.STAGECRAFT_HOME = blocked;
    try {
      const executor = new ScriptedExecutor({});
      await assert.rejects(runPipeline({ stack, executor, commit: 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00' }), (err: unknown) => {
        assert.ok(err instanceof StagecraftError);
        assert.match(err.message, /^Stagecraft cannot write its state folder .*not-a-folder/);
        assert.match(err.hint ?? '', /STAGECRAFT_HOME.*"stagecraft\.stateHome" setting/);
        return true;
      });
      assert.deepEqual(executor.calls, [], 'no step ran');
    } finally {
      process.env.STAGECRAFT_HOME = saved;
    }
  });
});
