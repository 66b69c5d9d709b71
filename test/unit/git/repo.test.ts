import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRepository, readRepoFacts } from '../../../src/git/repo';
import { TempDirs } from '../core/support/tempDir';

/**
 * Real repositories in temporary folders. HOME points at an empty folder so the machine's own
 * ~/.gitconfig (user.name, …) cannot leak into what the tests read.
 */
describe('git/repo: readRepoFacts on real repositories', () => {
  const temp = new TempDirs();
  const saved = { HOME: process.env.HOME, USER: process.env.USER, GIT_CONFIG_NOSYSTEM: process.env.GIT_CONFIG_NOSYSTEM, GIT_CEILING_DIRECTORIES: process.env.GIT_CEILING_DIRECTORIES };

  before(() => {
    const home = temp.make('stagecraft-home-');
    process.env.HOME = home;
    process.env.USER = 'os-user';
    process.env.GIT_CONFIG_NOSYSTEM = '1';
    // Never find a repository above the temporary folders.
    process.env.GIT_CEILING_DIRECTORIES = join(home, '..');
  });

  after(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    temp.cleanup();
  });

  function git(dir: string, ...args: string[]): string {
    return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  }

  /** A repository on `main` with user.name set and one commit. */
  function repo(options: { name?: string; email?: string; commit?: boolean } = {}): string {
    const dir = temp.make('stagecraft-repo-');
    git(dir, 'init', '-q', '-b', 'main');
    if (options.name !== undefined) git(dir, 'config', 'user.name', options.name);
    if (options.email !== undefined) git(dir, 'config', 'user.email', options.email);
    if (options.commit ?? true) {
      writeFileSync(join(dir, 'README.md'), '# app\n');
      git(dir, 'add', 'README.md');
      git(dir, '-c', 'user.name=Committer', '-c', 'user.email=committer@example.com', 'commit', '-q', '-m', 'first');
    }
    return dir;
  }

  it('branch, user.name, HEAD and a clean tree', async () => {
    const dir = repo({ name: 'Jane Doe', email: 'jane@example.com' });
    assert.deepEqual(await readRepoFacts(dir), { branch: 'main', user: 'Jane Doe', userId: 'jane@example.com', commit: git(dir, 'rev-parse', 'HEAD'), dirty: false });
  });

  it('follows the checked-out branch, slashes included', async () => {
    const dir = repo({ name: 'Jane Doe' });
    git(dir, 'checkout', '-q', '-b', 'feature/login-form');
    assert.equal((await readRepoFacts(dir)).branch, 'feature/login-form');
    git(dir, 'checkout', '-q', '-b', 'develop');
    assert.equal((await readRepoFacts(dir)).branch, 'develop');
  });

  it('a new commit changes the commit', async () => {
    const dir = repo({ name: 'Jane Doe' });
    const first = (await readRepoFacts(dir)).commit;
    git(dir, '-c', 'user.name=C', '-c', 'user.email=c@example.com', 'commit', '-q', '--allow-empty', '-m', 'second');
    const second = (await readRepoFacts(dir)).commit;
    assert.match(second ?? '', /^[0-9a-f]{40}$/);
    assert.notEqual(second, first);
    assert.equal(second, git(dir, 'rev-parse', 'HEAD'));
  });

  it('a modified tracked file makes the tree dirty; an untracked one does not (it is not built)', async () => {
    const dir = repo({ name: 'Jane Doe' });
    writeFileSync(join(dir, 'new.txt'), 'x');
    assert.equal((await readRepoFacts(dir)).dirty, false);
    const other = repo({ name: 'Jane Doe' });
    writeFileSync(join(other, 'README.md'), '# changed\n');
    assert.equal((await readRepoFacts(other)).dirty, true);
  });

  it('detached HEAD: no branch, the commit still known', async () => {
    const dir = repo({ name: 'Jane Doe' });
    const head = git(dir, 'rev-parse', 'HEAD');
    git(dir, 'checkout', '-q', '--detach');
    const facts = await readRepoFacts(dir);
    assert.equal(facts.branch, undefined);
    assert.equal(facts.commit, head);
  });

  it('before the first commit: the branch, no commit', async () => {
    const dir = repo({ name: 'Jane Doe', commit: false });
    assert.deepEqual(await readRepoFacts(dir), { branch: 'main', user: 'Jane Doe', userId: 'Jane Doe', commit: undefined, dirty: false });
  });

  it('user: user.email when user.name is not set, else the OS user', async () => {
    assert.equal((await readRepoFacts(repo({ email: 'jane@example.com' }))).user, 'jane@example.com');
    assert.equal((await readRepoFacts(repo({}))).user, 'os-user');
  });

  it('git config stagecraft.stage names the personal stage', async () => {
    const dir = repo({ name: 'Jane Doe' });
    git(dir, 'config', 'stagecraft.stage', 'jd');
    assert.equal((await readRepoFacts(dir)).stageName, 'jd');
  });

  it('from a subfolder of the repository', async () => {
    const dir = repo({ name: 'Jane Doe' });
    git(dir, 'checkout', '-q', '-b', 'release/2.0');
    const sub = join(dir, 'services', 'api');
    mkdirSync(sub, { recursive: true });
    assert.equal(await isRepository(sub), true);
    assert.equal((await readRepoFacts(sub)).branch, 'release/2.0');
  });

  it('not a repository: no branch or commit, the OS user, not dirty', async () => {
    const dir = temp.make('stagecraft-plain-');
    assert.equal(await isRepository(dir), false);
    assert.deepEqual(await readRepoFacts(dir), { user: 'os-user', userId: 'os-user', dirty: false });
  });
});
