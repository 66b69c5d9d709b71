import * as assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StagecraftError } from '../../../src/core/errors';
import type { StateMoveHandle } from '../../../src/core/providerModule';
import { moveRepositoryState } from '../../../src/core/stateMigration';
import { repositoryKey, stateDir } from '../../../src/core/workspace';
import { TempDirs } from './support/tempDir';


describe('stateMigration: moving a repository\'s state when the state home changes', () => {
  const temp = new TempDirs();
  const extra: string[] = [];
  after(() => {
    temp.cleanup();
    for (const d of extra) rmSync(d, { recursive: true, force: true });
  });
  const idle = async () => [] as string[];

  /** A repository with state under `home`: a run record, a read-only artifact tree with a link, a 0600 secret. */
  function repoWithState(home: string): { repo: string; dir: string } {
    const repo = temp.make();
    const dir = join(home, repositoryKey(repo));
    mkdirSync(join(dir, 'runs', 'r1'), { recursive: true });
    writeFileSync(join(dir, 'runs', 'r1', 'run.json'), '{"id":"r1"}');
    mkdirSync(join(dir, 'artifacts', 'a1', 'bin'), { recursive: true });
    writeFileSync(join(dir, 'artifacts', 'a1', 'bin', 'app.js'), 'console.log(1)\n'.repeat(1000));
    symlinkSync('bin/app.js', join(dir, 'artifacts', 'a1', 'main.js'));
    chmodSync(join(dir, 'artifacts', 'a1', 'bin'), 0o555);
    mkdirSync(join(dir, 'secrets'), { mode: 0o700 });
    writeFileSync(join(dir, 'secrets', 'dev.env.json'), '{"K":"v"}', { mode: 0o600 });
    return { repo, dir };
  }

  function assertMoved(to: string): void {
    assert.equal(readFileSync(join(to, 'runs', 'r1', 'run.json'), 'utf8'), '{"id":"r1"}');
    assert.equal(readFileSync(join(to, 'artifacts', 'a1', 'bin', 'app.js'), 'utf8').length, 15000);
    assert.equal(readlinkSync(join(to, 'artifacts', 'a1', 'main.js')), 'bin/app.js');
    assert.equal(statSync(join(to, 'secrets', 'dev.env.json')).mode & 0o777, 0o600, 'secrets stay 0600');
    assert.equal(statSync(join(to, 'secrets')).mode & 0o777, 0o700);
  }

  it('on one filesystem: one rename; the new home finds it, the old one has nothing left', async () => {
    const oldHome = temp.make();
    const newHome = join(temp.make(), 'new-base');
    const { repo, dir } = repoWithState(oldHome);
    const said: string[] = [];
    const result = await moveRepositoryState(repo, { fromHome: oldHome, toHome: newHome, inUse: idle, say: l => said.push(l) });
    const to = join(newHome, repositoryKey(repo));
    assert.deepEqual(result, { outcome: 'moved', from: dir, to, how: 'renamed' });
    assert.equal(existsSync(dir), false);
    assertMoved(to);
    assert.equal(stateDir(repo, { env: { STAGECRAFT_HOME: newHome } }), to);
    assert.equal(readFileSync(join(to, 'repository'), 'utf8').trim().length > 0, true, 'the folder names its repository');
    assert.match(said.join('\n'), /^Moved Stagecraft's state of .* from .* to /);
  });

  it('across filesystems: copied beside the target, checked, renamed into place, then the original removed', async function () {
    // /dev/shm is a tmpfs here, another filesystem than the temp folder: a rename there fails with EXDEV.
    if (!existsSync('/dev/shm') || statSync('/dev/shm').dev === statSync(temp.make()).dev) this.skip();
    const oldHome = temp.make();
    const newHome = mkdtempSync('/dev/shm/sc-move-');
    extra.push(newHome);
    const { repo, dir } = repoWithState(oldHome);
    const result = await moveRepositoryState(repo, { fromHome: oldHome, toHome: newHome, inUse: idle });
    assert.equal(result.outcome, 'moved');
    assert.equal(result.outcome === 'moved' && result.how, 'copied');
    assert.equal(existsSync(dir), false, 'the original is gone, read-only artifact folders included');
    assertMoved(join(newHome, repositoryKey(repo)));
    assert.equal(statSync(join(newHome, repositoryKey(repo), 'artifacts', 'a1', 'bin')).mode & 0o777, 0o555, 'modes travel');
    assert.deepEqual(readdirSync(newHome), [repositoryKey(repo)], 'no temporary copy left beside it');
  });

  it('refuses while a stage or database runs from it, naming them; nothing moves', async () => {
    const oldHome = temp.make();
    const newHome = temp.make();
    const { repo, dir } = repoWithState(oldHome);
    await assert.rejects(moveRepositoryState(repo, { fromHome: oldHome, toHome: newHome, inUse: async () => ['stage dev', 'database of stage dev'] }), (err: unknown) => {
      assert.ok(err instanceof StagecraftError);
      assert.equal(err.message, `Stagecraft's state in ${dir} cannot move while something runs from it (stage dev, database of stage dev): they read and write it by path.`);
      assert.match(err.hint ?? '', /Stop those stages first/);
      return true;
    });
    assertMoved(dir);
    assert.equal(existsSync(join(newHome, repositoryKey(repo))), false);
  });

  it('refuses a target that already holds state of the repository; an empty one, or one with only derived files, gives way', async () => {
    const oldHome = temp.make();
    const newHome = temp.make();
    const { repo, dir } = repoWithState(oldHome);
    const to = join(newHome, repositoryKey(repo));
    mkdirSync(join(to, 'runs'), { recursive: true });
    await assert.rejects(moveRepositoryState(repo, { fromHome: oldHome, toHome: newHome, inUse: idle }), /already holds Stagecraft state of this repository, so .* was not moved there/);
    assertMoved(dir);
    rmSync(join(to, 'runs'), { recursive: true });
    // What a view made under the new setting meanwhile (the name tag, the ledger's cache) is made again: it gives way.
    writeFileSync(join(to, 'repository'), repo);
    mkdirSync(join(to, 'cache'));
    writeFileSync(join(to, 'cache', 'ledger.json'), '{}');
    assert.equal((await moveRepositoryState(repo, { fromHome: oldHome, toHome: newHome, inUse: idle })).outcome, 'moved');
    assertMoved(to);
  });

  it('a new home that cannot be written: an error naming that folder and the setting; the state stays, and the providers undo', async () => {
    const oldHome = temp.make();
    const blocked = join(temp.make(), 'a-file');
    writeFileSync(blocked, 'not a folder');
    const { repo, dir } = repoWithState(oldHome);
    await assert.rejects(moveRepositoryState(repo, { fromHome: oldHome, toHome: join(blocked, 'base'), inUse: idle }), (err: unknown) => {
      assert.ok(err instanceof StagecraftError);
      assert.match(err.message, new RegExp(`^Stagecraft cannot write its state folder ${escape(join(blocked, 'base'))}`));
      assert.match(err.hint ?? '', /STAGECRAFT_HOME.*"stagecraft\.stateHome" setting/);
      return true;
    });
    assertMoved(dir);
    // A rename that fails after the providers prepared (the target's parent vanishes): they undo.
    const log: string[] = [];
    const newHome = temp.make();
    const handle: StateMoveHandle = { done: async () => void log.push('done'), undo: async () => void log.push('undo') };
    await assert.rejects(
      moveRepositoryState(repo, {
        fromHome: oldHome,
        toHome: newHome,
        inUse: idle,
        prepare: async () => {
          rmSync(newHome, { recursive: true });
          writeFileSync(newHome, 'now a file');
          return [handle];
        },
      }),
      /: Could not move .* to .*: ENOTDIR/,
    );
    assert.deepEqual(log, ['undo']);
    assertMoved(dir);
  });

  it('on /sys (not writable even as root) the error names the folder', async function () {
    if (!existsSync('/sys/kernel')) this.skip();
    const oldHome = temp.make();
    const { repo } = repoWithState(oldHome);
    await assert.rejects(moveRepositoryState(repo, { fromHome: oldHome, toHome: '/sys/stagecraft-state', inUse: idle }), /: Stagecraft cannot write its state folder \/sys\/stagecraft-state: (it is not writable|it is on a read-only filesystem)\.$/);
  });

  it('says when there is nothing to move, or the homes are the same', async () => {
    const repo = temp.make();
    const home = temp.make();
    assert.deepEqual(await moveRepositoryState(repo, { fromHome: home, toHome: temp.make(), inUse: idle }), { outcome: 'nothing', from: join(home, repositoryKey(repo)) });
    assert.deepEqual(await moveRepositoryState(repo, { fromHome: home, toHome: home + '/', inUse: idle }), { outcome: 'same', dir: join(home, repositoryKey(repo)) });
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
