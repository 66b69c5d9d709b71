import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StagecraftError } from '../../src/core/errors';
import { runPipeline } from '../../src/core/pipeline';
import { prepareStateDir, repositoryKey } from '../../src/core/workspace';
import { SecretStore } from '../../src/local/secretStore';
import { makeStack, ScriptedExecutor, Temp } from '../unit/core/pipeline/helpers';

/**
 * Issue 13's "bad input and faults" on a real filesystem: a tiny tmpfs filled to the last byte
 * (ENOSPC), then remounted read-only (EROFS). Needs permission to mount (root in a container, as CI
 * runs); skipped elsewhere.
 */
describe('faults: a state folder on a full disk or a read-only filesystem', function () {
  this.timeout(30_000);
  const temp = new Temp();
  let mount: string | undefined;
  const saved = process.env.STAGECRAFT_HOME;

  before(function () {
    const dir = mkdtempSync(join(tmpdir(), 'sc-tinyfs-'));
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=128k', 'tmpfs', dir]).status !== 0) {
      rmdirSync(dir);
      this.skip();
    }
    mount = dir;
  });

  after(() => {
    process.env.STAGECRAFT_HOME = saved;
    if (mount) {
      spawnSync('umount', [mount]);
      rmdirSync(mount);
    }
    temp.cleanup();
  });

  function expectStateError(err: unknown, folder: string, why: string): true {
    assert.ok(err instanceof StagecraftError, String(err));
    assert.equal(err.message, `Stagecraft cannot write its state folder ${folder}: ${why}.`);
    assert.match(err.hint ?? '', /STAGECRAFT_HOME environment variable or the "stagecraft\.stateHome" setting/);
    return true;
  }

  it('full: the state folder, a run and a secret each stop with the folder and the setting named; no half-written file', async () => {
    const home = join(mount!, 'home');
    const stack = makeStack(temp, 'stack: shop\nstages:\n  - name: dev\n');
    // The folder first, while there is room; then the disk fills to its last byte.
    const dir = await prepareStateDir(stack.root, { env: { STAGECRAFT_HOME: home } });
    try {
      writeFileSync(join(mount!, 'filler'), Buffer.alloc(1024 * 1024));
    } catch (err) {
      assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
    }
    const secrets = new SecretStore({ keyring: async () => undefined, notice: () => undefined });
    await assert.rejects(secrets.write(join(dir, 'secrets', 'dev.env.json'), JSON.stringify({ K: 'x'.repeat(20_000) })), err => expectStateError(err, join(dir, 'secrets'), 'the disk is full'));
    assert.deepEqual(readdirSync(join(dir, 'secrets')), [], 'no temporary or partial secret left');

    process.env.STAGECRAFT_HOME = home;
    const other = makeStack(temp, 'stack: shop\nstages:\n  - name: dev\n');
    const executor = new ScriptedExecutor();
    await assert.rejects(runPipeline({ stack: other, executor, commit: 'c0ffee00'.repeat(5) }), err => expectStateError(err, join(home, repositoryKey(other.root)), 'the disk is full'));
    assert.deepEqual(executor.calls, [], 'no step ran');
  });

  it('read-only: the same, saying so', async () => {
    assert.equal(spawnSync('mount', ['-o', 'remount,ro', mount!]).status, 0);
    const home = join(mount!, 'home');
    const stack = makeStack(temp, 'stack: shop\nstages:\n  - name: dev\n');
    await assert.rejects(prepareStateDir(stack.root, { env: { STAGECRAFT_HOME: home } }), err => expectStateError(err, join(home, repositoryKey(stack.root)), 'it is on a read-only filesystem'));
    const secrets = new SecretStore({ keyring: async () => undefined, notice: () => undefined });
    const secretsDir = join(home, repositoryKey(stack.root), 'secrets');
    await assert.rejects(secrets.write(join(secretsDir, 'dev.json'), 'pw'), err => expectStateError(err, secretsDir, 'it is on a read-only filesystem'));
  });
});
