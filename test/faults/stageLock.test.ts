import * as assert from 'node:assert/strict';
import { cliOk, CliProcess, stageUrl } from '../unit/e2e/support/cli';
import { info } from '../unit/e2e/support/http';
import { faultRepo } from './support/fixture';

/**
 * Issue 20, item 1: two operations on one stage never interleave. A deploy with a concurrent
 * `env set` used to end "✔ now serves <new>" while the stage served the old commit (3 of 3);
 * concurrent deploys failed with misleading errors. Every check is on what the stage serves
 * over HTTP.
 */
describe('faults: one change of a stage at a time (stage lock)', function () {
  this.timeout(300_000);
  const STAGE = 'locked';
  let first: string;

  before(async function () {
    const repo = faultRepo();
    first = repo.head();
    await cliOk(['deploy', STAGE, '--auto-approve'], repo.dir);
  });

  it('a deploy with a concurrent `env set` serves the new commit with the new value, and says what it serves', async () => {
    const repo = faultRepo();
    const second = repo.commit('second version for the lock suite', { 'README.md': t => `${t}\nlock suite\n` });
    const deploy = new CliProcess(['deploy', STAGE, '--auto-approve'], repo.dir);
    // The env change starts while the deploy is under way (it has begun changing the stage).
    await deploy.waitFor(new RegExp(`▶ ${STAGE}: deploy`), 120_000);
    const envSet = new CliProcess(['env', 'set', STAGE, 'GREETING', 'set during a deploy'], repo.dir);
    const [d, e] = await Promise.all([deploy.done, envSet.done]);
    assert.equal(d.code, 0, d.output);
    assert.equal(e.code, 0, e.output);
    assert.match(e.output, /waiting for run \S+ \(deploying locked since \d\d:\d\d\)/, 'the env change should have waited for the run');
    const served = await info(await stageUrl(repo.dir, STAGE));
    assert.equal(served.commitHash, second, 'the stage must serve the deployed commit, not the one the env change started from');
    assert.equal(served.greeting, 'set during a deploy');
    assert.match(d.output, new RegExp(`${STAGE} now serves ${second.slice(0, 8)}`));
  });

  it('two concurrent deploys both succeed, one after the other, and the stage serves the commit', async () => {
    const repo = faultRepo();
    const head = repo.head();
    const runs = [0, 1].map(() => new CliProcess(['deploy', STAGE, '--auto-approve'], repo.dir));
    const results = await Promise.all(runs.map(r => r.done));
    results.forEach((r, i) => assert.equal(r.code, 0, `deploy ${i}:\n${r.output}`));
    assert.ok(results.some(r => /waiting for run/.test(r.output)), 'one deploy should have waited for the other');
    for (const r of results) assert.doesNotMatch(r.output, /rolled back/);
    assert.equal((await info(await stageUrl(repo.dir, STAGE))).commitHash, head);
    assert.notEqual(head, first);
  });

  it('--no-wait fails at once while the stage is being changed, naming who changes it; the stage is untouched', async () => {
    const repo = faultRepo();
    const head = repo.head();
    const deploy = new CliProcess(['deploy', STAGE, '--auto-approve'], repo.dir);
    await deploy.waitFor(new RegExp(`▶ ${STAGE}: deploy`), 120_000);
    const started = Date.now();
    const busy = new CliProcess(['env', 'set', STAGE, 'GREETING', 'never applied', '--no-wait'], repo.dir);
    const b = await busy.done;
    assert.notEqual(b.code, 0, b.output);
    assert.match(b.output, /Busy: run \S+ \(deploying locked since \d\d:\d\d\)/);
    assert.ok(Date.now() - started < 10_000, 'a --no-wait command must not wait');
    assert.doesNotMatch(repo.read('stagecraft.yaml'), /never applied/, 'a refused change must not be written either');
    const d = await deploy.done;
    assert.equal(d.code, 0, d.output);
    const served = await info(await stageUrl(repo.dir, STAGE));
    assert.equal(served.commitHash, head);
    assert.equal(served.greeting, 'set during a deploy', 'the refused change must not reach the running stage');
  });
});
