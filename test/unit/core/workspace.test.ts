import * as assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StagecraftError } from '../../../src/core/errors';
import { prepareStateDir, repositoryKey, stateDir, stateHome } from '../../../src/core/workspace';
import { TempDirs } from './support/tempDir';

describe('workspace: the state folder lives outside the repository', () => {
  const temp = new TempDirs();
  after(() => temp.cleanup());

  it('uses the platform state folder, moved by STAGECRAFT_HOME', () => {
    const home = '/home/ada';
    assert.equal(stateHome({ env: {}, platform: 'linux', homedir: home, isRoot: false }), '/home/ada/.local/state/stagecraft');
    assert.equal(stateHome({ env: { XDG_STATE_HOME: '/xdg' }, platform: 'linux', homedir: home, isRoot: false }), '/xdg/stagecraft');
    assert.equal(stateHome({ env: { XDG_STATE_HOME: 'relative' }, platform: 'linux', homedir: home, isRoot: false }), '/home/ada/.local/state/stagecraft');
    assert.equal(stateHome({ env: {}, platform: 'linux', homedir: '/root', isRoot: true }), '/var/lib/stagecraft');
    assert.equal(stateHome({ env: {}, platform: 'darwin', homedir: '/Users/ada' }), '/Users/ada/Library/Application Support/stagecraft');
    assert.equal(stateHome({ env: { LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' }, platform: 'win32', homedir: home }), join('C:\\Users\\ada\\AppData\\Local', 'stagecraft'));
    assert.equal(stateHome({ env: { STAGECRAFT_HOME: '/srv/sc', XDG_STATE_HOME: '/xdg' }, platform: 'linux', homedir: home }), '/srv/sc');
  });

  it('keys the folder by the repository path: same name elsewhere is another folder, a symlink the same', () => {
    const a = join(temp.make(), 'shop');
    const b = join(temp.make(), 'shop');
    mkdirSync(a);
    mkdirSync(b);
    const link = join(temp.make(), 'link');
    symlinkSync(a, link);
    assert.match(repositoryKey(a), /^shop-[0-9a-f]{12}$/);
    assert.notEqual(repositoryKey(a), repositoryKey(b));
    assert.equal(repositoryKey(link), repositoryKey(a));
    const env = { STAGECRAFT_HOME: '/state' };
    assert.equal(stateDir(a, { env }), join('/state', repositoryKey(a)));
    assert.ok(!stateDir(a, { env }).startsWith(a), 'never inside the repository');
  });

  it('creates the folder so other users may enter it (the postgres user when running as root) and names the repository', async () => {
    const home = temp.make();
    const repo = temp.make();
    const dir = await prepareStateDir(repo, { env: { STAGECRAFT_HOME: join(home, 'base') } });
    assert.equal(dir, join(home, 'base', repositoryKey(repo)));
    assert.equal(statSync(dir).mode & 0o011, 0o011);
    assert.equal(statSync(join(home, 'base')).mode & 0o011, 0o011);
    assert.equal(readFileSync(join(dir, 'repository'), 'utf8').trim(), realpathSync(repo));
    // A folder an earlier `mkdir -p … 0700` made is opened again.
    chmodSync(dir, 0o700);
    await prepareStateDir(repo, { env: { STAGECRAFT_HOME: join(home, 'base') } });
    assert.equal(statSync(dir).mode & 0o011, 0o011);
  });

  it('a state folder that cannot be made is an error naming it, the variable and the setting', async () => {
    const blocked = join(temp.make(), 'file');
    writeFileSync(blocked, 'not a folder');
    const err = await prepareStateDir(temp.make(), { env: { STAGECRAFT_HOME: blocked } }).then(
      () => undefined,
      e => e as StagecraftError,
    );
    assert.ok(err instanceof StagecraftError);
    assert.match(err.message, new RegExp(`cannot write its state folder ${blocked.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(err.hint ?? '', /STAGECRAFT_HOME/);
    assert.match(err.hint ?? '', /stagecraft\.stateHome/);
    assert.equal(err.kind, 'input');
  });

  it('an old .stagecraft/ in the repository stays in use until it has been moved', () => {
    const repo = temp.make();
    const env = { STAGECRAFT_HOME: '/state' };
    assert.ok(!stateDir(repo, { env }).startsWith(repo));
    mkdirSync(join(repo, '.stagecraft'));
    assert.equal(stateDir(repo, { env }), join(repo, '.stagecraft'));
    assert.ok(existsSync(join(repo, '.stagecraft')));
  });
});
