import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePersonalRecord } from '../../../src/core/personal/registry';
import { TempDirs } from '../core/support/tempDir';
import { ensureCliBuilt, isolatedEnv, runCli } from './support/cli';

/** The personal-stage verbs and the run's input checks, through dist/cli.js; nothing here deploys. */
describe('cli: stage extend / stage expire / pipeline run input', () => {
  const temp = new TempDirs();
  let env: NodeJS.ProcessEnv;
  let dir: string;

  before(async function () {
    this.timeout(180_000);
    ensureCliBuilt();
    env = isolatedEnv(temp.make('stagecraft-home-'));
    dir = temp.make();
    writeFileSync(join(dir, 'stagecraft.yaml'), 'stack: shop\nstages:\n  - name: dev\n  - name: prod\npersonal:\n  ttl: 2d\n');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: { ...process.env, ...env }, stdio: 'ignore' });
    git('init', '-q', '-b', 'feature/x');
    git('config', 'user.name', 'Ann');
    await writePersonalRecord(dir, { version: 1, name: 'ann', owner: 'Ann', ownerId: 'Ann', branch: 'feature/x', provider: 'local', createdAt: new Date().toISOString() });
  });
  after(() => temp.cleanup());

  it('stage extend pushes the expiry back by --days, or by the TTL', async () => {
    const r = await runCli(['stage', 'extend', 'ann', '--days', '3'], dir, env);
    assert.equal(r.code, 0, r.stderr);
    const until = Date.parse(/expires at (\S+)\.$/m.exec(r.stdout)![1]);
    assert.ok(Math.abs(until - (Date.now() + 5 * 86_400_000)) < 60_000, r.stdout);
    const status = await runCli(['status'], dir, env);
    assert.match(status.stdout, /ann .*personal: Ann, feature\/x, expires in 4 d/);
  });

  it('bad input: --days that is not a day count, --now that is not a time, an unknown stage; exit 2', async () => {
    const days = await runCli(['stage', 'extend', 'ann', '--days', 'two'], dir, env);
    assert.equal(days.code, 2);
    assert.match(days.stderr, /--days "two" is not a whole number of days/);
    const now = await runCli(['stage', 'expire', '--now', 'tomorrow'], dir, env);
    assert.equal(now.code, 2);
    assert.match(now.stderr, /--now "tomorrow" is not a time/);
    const unknown = await runCli(['stage', 'extend', 'zed'], dir, env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no personal stage "zed"/);
  });

  it('stage expire --dry-run names what would go and destroys nothing', async () => {
    const r = await runCli(['stage', 'expire', '--dry-run', '--now', new Date(Date.now() + 30 * 86_400_000).toISOString()], dir, env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Would destroy ann \(Ann, feature\/x\): its time to live ran out/);
    assert.match((await runCli(['status'], dir, env)).stdout, /ann /);
  });

  it('gc destroys the personal stages that expired, after a dry run that names them and destroys nothing', async () => {
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000).toISOString();
    await writePersonalRecord(dir, { version: 1, name: 'bo', owner: 'Bo', ownerId: 'Bo', branch: 'feature/x', provider: 'local', createdAt: tenDaysAgo });
    const dry = await runCli(['gc', '--dry-run'], dir, env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Would destroy personal stage bo \(Bo\): its time to live ran out/);
    assert.match((await runCli(['status'], dir, env)).stdout, / bo /, 'the dry run destroyed nothing');
    const r = await runCli(['gc'], dir, env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Destroyed personal stage bo \(Bo\): its time to live ran out/);
    assert.doesNotMatch((await runCli(['status'], dir, env)).stdout, / bo /);
  });

  it('a branch without a commit and a --branch git would refuse: exit 2, nothing runs', async () => {
    const unborn = await runCli(['pipeline', 'run'], dir, env);
    assert.equal(unborn.code, 2);
    assert.match(unborn.stderr, /Branch feature\/x has no commit yet/);
    const bad = await runCli(['pipeline', 'run', '--branch', 'feature/a b..c'], dir, env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--branch "feature\/a b\.\.c" is not a branch name git accepts/);
  });
});
