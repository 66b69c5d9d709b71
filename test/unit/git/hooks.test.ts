import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { builtinProviders } from '../support/providers';
import { installPrecommitHook, precommitHookStatus, refreshHookRunner, uninstallPrecommitHook, type CliLocation } from '../../../src/git/hooks';
import { awsCredentialsFile, buildCliBundle, FAKE, git, gitEnv, initRepo, removeTempDirs, repoRoot, tempDir } from '../scan/helpers';

/** Commits what is staged, running the hooks as a developer's `git commit` would. */
function commit(repo: string, message = 'change', env: NodeJS.ProcessEnv = {}): { ok: boolean; output: string } {
  const r = spawnSync('git', ['commit', '-m', message], { cwd: repo, env: gitEnv(env), encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

function write(root: string, file: string, content: string): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), content);
}

function commitCount(repo: string): number {
  const r = spawnSync('git', ['rev-list', '--count', 'HEAD'], { cwd: repo, env: gitEnv(), encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : 0;
}

describe('pre-commit hook (real git repositories)', function () {
  this.timeout(120_000);
  let runner: CliLocation;

  before(async () => {
    runner = { node: process.execPath, cli: await buildCliBundle(tempDir('stagecraft-cli-')), electron: false };
  });
  after(removeTempDirs);

  function repoWithFirstCommit(): string {
    const repo = initRepo();
    write(repo, 'README.md', '# app\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'first');
    return repo;
  }

  it('blocks a commit adding an AWS access key, naming file:line and the rule, never the key, and how to bypass', async () => {
    const repo = repoWithFirstCommit();
    const result = await installPrecommitHook(repo, runner);
    assert.equal(result.file, path.join(repo, '.git', 'hooks', 'pre-commit'));
    assert.ok(statSync(result.file).mode & 0o100, 'executable');

    write(repo, 'deploy/creds.ini', awsCredentialsFile());
    git(repo, 'add', '.');
    const r = commit(repo, 'add credentials');
    assert.equal(r.ok, false, r.output);
    assert.equal(commitCount(repo), 1, 'nothing was committed');
    assert.match(r.output, /deploy\/creds\.ini:2:21 {2}@secretlint\/secretlint-rule-aws/);
    assert.match(r.output, /deploy\/creds\.ini:3:25 {2}@secretlint\/secretlint-rule-aws/);
    assert.match(r.output, /git commit --no-verify/);
    assert.ok(!r.output.includes(FAKE.awsKeyId()) && !r.output.includes(FAKE.awsSecret()), 'the key was printed');
  });

  it('lets a clean commit through, and one whose secret is only in the work tree', async () => {
    const repo = repoWithFirstCommit();
    await installPrecommitHook(repo, runner);
    write(repo, 'src/app.ts', 'export const key = process.env.KEY;\n');
    git(repo, 'add', '.');
    write(repo, 'src/app.ts', `export const key = "${FAKE.awsKeyId()}";\n`); // changed after staging
    write(repo, 'scratch.ini', awsCredentialsFile()); // never staged
    const r = commit(repo);
    assert.ok(r.ok, r.output);
    assert.equal(commitCount(repo), 2);
    assert.equal(git(repo, 'show', 'HEAD:src/app.ts'), 'export const key = process.env.KEY;\n');
  });

  it('runs an existing pre-commit hook first, and puts it back byte for byte on uninstall', async () => {
    const repo = repoWithFirstCommit();
    const own = path.join(repo, '.git', 'hooks', 'pre-commit');
    const original = '#!/bin/sh\n# the team\'s own checks\necho "own hook ran with $# args" >> "$(git rev-parse --git-dir)/own-hook.log"\n';
    writeFileSync(own, original);
    chmodSync(own, 0o750);

    const installed = await installPrecommitHook(repo, runner);
    assert.equal(installed.chained, own + '.stagecraft-chained');
    write(repo, 'a.txt', 'fine\n');
    git(repo, 'add', '.');
    assert.ok(commit(repo).ok);
    assert.equal(readFileSync(path.join(repo, '.git', 'own-hook.log'), 'utf8'), 'own hook ran with 0 args\n');

    write(repo, 'b.ini', awsCredentialsFile());
    git(repo, 'add', '.');
    assert.equal(commit(repo).ok, false, 'the scan still blocks after the chained hook passed');

    // Installing again refreshes Stagecraft's hook and keeps the chained one.
    assert.equal((await installPrecommitHook(repo, runner)).updated, true);
    assert.ok(existsSync(own + '.stagecraft-chained'));

    const removed = await uninstallPrecommitHook(repo);
    assert.deepEqual(removed, { removed: true, file: own, restored: own });
    assert.ok(readFileSync(own).equals(Buffer.from(original)), 'content restored byte for byte');
    assert.equal(statSync(own).mode & 0o777, 0o750, 'mode restored');
    assert.ok(!existsSync(own + '.stagecraft-chained'));
    assert.ok(!existsSync(path.join(repo, '.git', 'stagecraft')), 'no state left behind');
    assert.ok(commit(repo).ok, 'the secret commit passes once the hook is gone');
    assert.deepEqual(await uninstallPrecommitHook(repo), { removed: false, file: own });
  });

  it('a failing chained hook blocks the commit on its own', async () => {
    const repo = repoWithFirstCommit();
    const own = path.join(repo, '.git', 'hooks', 'pre-commit');
    writeFileSync(own, '#!/bin/sh\necho "lint failed" >&2\nexit 3\n', { mode: 0o755 });
    await installPrecommitHook(repo, runner);
    write(repo, 'ok.txt', 'x\n');
    git(repo, 'add', '.');
    const r = commit(repo);
    assert.equal(r.ok, false);
    assert.match(r.output, /lint failed/);
  });

  it('honours core.hooksPath', async () => {
    const repo = repoWithFirstCommit();
    git(repo, 'config', 'core.hooksPath', '.githooks');
    const result = await installPrecommitHook(repo, runner);
    assert.equal(result.file, path.join(repo, '.githooks', 'pre-commit'));
    assert.ok(!existsSync(path.join(repo, '.git', 'hooks', 'pre-commit')));
    assert.ok(!readFileSync(result.file, 'utf8').includes(runner.cli), 'no machine paths in a hook that may be committed');
    write(repo, 'creds.ini', awsCredentialsFile());
    git(repo, 'add', 'creds.ini');
    assert.equal(commit(repo).ok, false);
    assert.equal((await precommitHookStatus(repo)).installed, true);
    await uninstallPrecommitHook(repo);
    assert.ok(!existsSync(result.file));
  });

  it('adds itself to .husky/pre-commit in a husky setup, and removes exactly that', async () => {
    const repo = repoWithFirstCommit();
    const husky = spawnSync(process.execPath, [path.join(repoRoot(), 'node_modules', 'husky', 'bin.js')], { cwd: repo, env: gitEnv(), encoding: 'utf8' });
    assert.equal(husky.status, 0, husky.stderr);
    assert.equal(git(repo, 'config', 'core.hooksPath').trim(), '.husky/_');
    const teamHook = path.join(repo, '.husky', 'pre-commit');
    const original = 'echo "husky hook ran" >> .git/husky.log'; // no trailing newline, as editors sometimes leave it
    writeFileSync(teamHook, original);

    const result = await installPrecommitHook(repo, runner);
    assert.equal(result.mode, 'husky');
    assert.equal(result.file, teamHook);
    write(repo, 'creds.ini', awsCredentialsFile());
    git(repo, 'add', 'creds.ini');
    const blocked = commit(repo);
    assert.equal(blocked.ok, false, blocked.output);
    assert.match(blocked.output, /creds\.ini:2:21/);
    assert.equal(readFileSync(path.join(repo, '.git', 'husky.log'), 'utf8'), 'husky hook ran\n');

    git(repo, 'rm', '-q', '--cached', 'creds.ini');
    write(repo, 'ok.txt', 'x\n');
    git(repo, 'add', 'ok.txt');
    assert.ok(commit(repo).ok);

    await uninstallPrecommitHook(repo);
    assert.equal(readFileSync(teamHook, 'utf8'), original);
  });

  it('creates .husky/pre-commit when husky has none, and deletes it again', async () => {
    const repo = repoWithFirstCommit();
    spawnSync(process.execPath, [path.join(repoRoot(), 'node_modules', 'husky', 'bin.js')], { cwd: repo, env: gitEnv() });
    const teamHook = path.join(repo, '.husky', 'pre-commit');
    await installPrecommitHook(repo, runner);
    assert.ok(existsSync(teamHook));
    await uninstallPrecommitHook(repo);
    assert.ok(!existsSync(teamHook));
  });

  it('falls back to node on PATH when the recorded node is gone, and blocks with a clear message when the CLI is gone', async () => {
    const repo = repoWithFirstCommit();
    await installPrecommitHook(repo, { ...runner, node: '/nonexistent/node' });
    write(repo, 'creds.ini', awsCredentialsFile());
    git(repo, 'add', 'creds.ini');
    const fellBack = commit(repo);
    assert.equal(fellBack.ok, false);
    assert.match(fellBack.output, /creds\.ini:2:21/, 'the scan ran through node on PATH');

    await installPrecommitHook(repo, { ...runner, cli: '/nonexistent/dist/cli.js' });
    git(repo, 'rm', '-q', '--cached', 'creds.ini');
    write(repo, 'ok.txt', 'x\n');
    git(repo, 'add', 'ok.txt');
    const missing = commit(repo, 'x', { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, npm_config_offline: 'true' });
    assert.equal(missing.ok, false, 'a hook that cannot scan does not let commits through silently');
    assert.match(missing.output, /cannot find the Stagecraft CLI \(it was recorded at \/nonexistent\/dist\/cli\.js\)/);
    assert.match(missing.output, /stagecraft hook install/);
    assert.match(missing.output, /git commit --no-verify/);
  });

  it('re-points an installed hook at a new CLI location (an updated extension)', async () => {
    const repo = repoWithFirstCommit();
    await installPrecommitHook(repo, { ...runner, cli: '/old/extension/dist/cli.js' });
    assert.equal(await refreshHookRunner(repo, runner), true);
    assert.deepEqual((await precommitHookStatus(repo)).runner, runner);
    assert.equal(await refreshHookRunner(repo, runner), false, 'already current');
    await uninstallPrecommitHook(repo);
    assert.equal(await refreshHookRunner(repo, runner), false, 'nothing installed, nothing to refresh');
  });

  it('stagecraft hook install|status|uninstall from the CLI', async () => {
    const repo = repoWithFirstCommit();
    const out: string[] = [];
    const run = (...argv: string[]) => runCli(argv, { cwd: repo, out: l => out.push(l), err: l => out.push(l), providers: builtinProviders() });
    assert.equal(await run('hook', 'install', '--node', runner.node, '--cli', runner.cli), 0);
    assert.match(out.join('\n'), /Installed the Stagecraft pre-commit hook: .*pre-commit/);
    assert.match(out.join('\n'), /--no-verify/);
    out.length = 0;
    assert.equal(await run('hook', 'status'), 0);
    assert.match(out.join('\n'), new RegExp(`Installed in .*runs ${runner.node.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.equal(await run('hook', 'uninstall'), 0);
    assert.equal((await precommitHookStatus(repo)).installed, false);
    rmSync(path.join(repo, '.git', 'hooks', 'pre-commit.sample'), { force: true });
  });

  it('is bad input outside a repository', async () => {
    const out: string[] = [];
    const code = await runCli(['hook', 'install'], { cwd: tempDir(), out: l => out.push(l), err: l => out.push(l), providers: builtinProviders() });
    assert.equal(code, 2);
    assert.match(out.join('\n'), /not inside a git repository/);
  });
});
