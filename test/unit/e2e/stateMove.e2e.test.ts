import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repositoryKey, stateHome } from '../../../src/core/workspace';
import { cli, cliOk, ensureCliBuilt, stageUrl, type CliResult } from './support/cli';
import { request } from './support/http';
import { destroyStages } from './support/cleanup';
import { SampleRepo } from './support/sampleRepo';

const STACK = `stack: moving
branchModel: trunk
service:
  dockerfile: Dockerfile
  port: 8080
  healthCheck: /health
stages:
  - name: dev
    provider: local
    hosts: [moving.test]
`;

/** cliOk with environment additions. */
async function cliOkWith(env: NodeJS.ProcessEnv, args: string[], cwd: string): Promise<CliResult> {
  const result = await cli(args, cwd, env);
  if (result.code !== 0) throw new Error(`stagecraft ${args.join(' ')} exited ${result.code ?? result.signal}:\n${result.output}`);
  return result;
}

/** Through the built CLI only: a real run deploys dev (with `hosts:`) and leaves state; `stagecraft state move` moves it once nothing runs. */
describe('e2e: a deployed stage answers to its `hosts:`; its state moves to a new state home with `stagecraft state move`', function () {
  this.timeout(180_000);
  let repo: SampleRepo;
  let newHome: string;

  before(async () => {
    ensureCliBuilt();
    repo = new SampleRepo({ stackYaml: STACK, keepTests: ['config.test.js'] });
    newHome = join(mkdtempSync(join(tmpdir(), 'sc-newhome-')), 'state');
    await cliOk(['pipeline', 'run'], repo.dir);
  });

  after(async () => {
    if (!repo) return;
    await destroyStages(repo.dir, ['dev']);
    repo.remove();
    rmSync(join(newHome, '..'), { recursive: true, force: true });
  });

  it("dev's proxy answers to the host named in its `hosts:`, and refuses an unlisted one with the reason", async () => {
    const url = await stageUrl(repo.dir, 'dev');
    assert.equal((await request(`${url}/health`, { headers: { Host: 'moving.test' } })).status, 200);
    const refused = await request(`${url}/health`, { headers: { Host: 'other.test' } });
    assert.equal(refused.status, 421);
    assert.match(refused.body, /Stage "dev" answers only to .*moving\.test; this request named host "other\.test"/);
    assert.match((await cliOk(['status'], repo.dir)).stdout, /dev .*hosts: moving\.test/);
  });

  it('is refused while dev runs from the state, naming it; nothing moves', async () => {
    const refused = await cli(['state', 'move', '--to', newHome], repo.dir);
    assert.equal(refused.code, 2, refused.output);
    assert.match(refused.stderr, /cannot move while something runs from it \(stage dev\)/);
    assert.match(refused.stderr, /Stop those stages first/);
    assert.equal(existsSync(join(newHome, repositoryKey(repo.dir))), false);
  });

  it('a new home that cannot be written: exit 2 naming that folder and the setting', async () => {
    const file = join(newHome, '..', 'a-file');
    writeFileSync(file, 'not a folder');
    const result = await cli(['state', 'move', '--to', join(file, 'state')], repo.dir);
    assert.equal(result.code, 2, result.output);
    assert.match(result.stderr, new RegExp(`Stagecraft cannot write its state folder ${join(file, 'state').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(result.stderr, /STAGECRAFT_HOME.*"stagecraft\.stateHome" setting/);
  });

  it('once dev is torn down it moves; with STAGECRAFT_HOME set to the new home the runs are all there', async () => {
    const before = JSON.parse((await cliOk(['pipeline', 'list', '--json'], repo.dir)).stdout) as Array<{ id: string }>;
    assert.equal(before.length, 1);
    await cliOk(['destroy', 'dev', '--force'], repo.dir);
    const moved = await cliOk(['state', 'move', '--to', newHome], repo.dir);
    assert.match(moved.stdout, /^Moved .* to .* \(renamed in place\)\./);
    assert.match(moved.stdout, new RegExp(`until you set STAGECRAFT_HOME=${newHome.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.equal(existsSync(join(stateHome(), repositoryKey(repo.dir))), false, 'nothing left in the old home');
    const after = JSON.parse((await cliOkWith({ STAGECRAFT_HOME: newHome }, ['pipeline', 'list', '--json'], repo.dir)).stdout) as Array<{ id: string }>;
    assert.deepEqual(after.map(r => r.id), before.map(r => r.id));
    assert.equal(repo.git('status', '--porcelain'), '', 'the repository never held any of it');
    // Asked again from the new home: nothing left to move.
    const again = await cliOkWith({ STAGECRAFT_HOME: newHome }, ['state', 'move', '--from', stateHome()], repo.dir);
    assert.match(again.stdout, /^Nothing to move: /);
  });
});
