import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from '../../../src/core/workspace';
import { cli, cliOk, CliProcess, ensureCliBuilt, listRuns, stageStatus, stageUrl } from './support/cli';
import { destroyStages, processesUnder } from './support/cleanup';
import { info } from './support/http';
import { SampleRepo } from './support/sampleRepo';

/**
 * Branches decide where a run goes, end to end through the real CLI with real git branches on the
 * local provider: develop → dev only; feature/alice → Alice's own stage (created on the spot,
 * with its own PostgreSQL); release/1.2 → qa, then prod after approval; main → prod. A branch
 * mapped to nothing, a detached HEAD and a name clash deploy nothing. Personal stages go when
 * their branch is merged or their time to live passes (the clock injected with --now); shared
 * stages never do. One repository serves every test, in order.
 */
const STACK = `stack: flow
# GitFlow, as the seed's table: develop → dev, release/* → qa → prod, main → prod, feature/* → yours.
branchModel: gitflow
service:
  dockerfile: Dockerfile
  port: 8080
  healthCheck: /health
stages:
  - name: dev
  - name: qa
  - name: prod
    requireApproval: true
personal:
  database: postgres   # every developer's stage gets its own database
  ttl: 7d
`;

const DAY = 86_400_000;

describe('e2e: branches decide where a run goes; personal stages come and go', function () {
  this.timeout(300_000);
  const SHARED = ['dev', 'qa', 'prod'];
  let repo: SampleRepo;

  /** The pids serving a stage (daemon and app) as its runtime records them. */
  const pids = (stage: string): number[] => {
    const state = JSON.parse(readFileSync(join(stateDir(repo.dir), 'local', stage, 'state.json'), 'utf8')) as { daemon?: { pid: number }; active?: { pid: number } };
    return [state.daemon?.pid ?? 0, state.active?.pid ?? 0];
  };
  const user = (name: string, email: string) => {
    repo.git('config', 'user.name', name);
    repo.git('config', 'user.email', email);
  };

  before(function () {
    ensureCliBuilt();
    repo = new SampleRepo({ stackYaml: STACK, keepTests: ['config.test.js'] });
    repo.git('checkout', '-q', '-b', 'develop');
  });

  after(async function () {
    if (!repo) return;
    const problems = await destroyStages(repo.dir, [...SHARED, 'alice', 'bob']);
    if (problems.filter(p => !/no stage named|no personal/.test(p)).length) console.log(`    cleanup: ${problems.join('\n    cleanup: ')}`);
    repo.remove();
  });

  let devPids: number[];
  let devCommit: string;

  it('on develop, a run deploys dev only and says so first', async () => {
    devCommit = repo.head();
    const r = await cliOk(['pipeline', 'run'], repo.dir);
    assert.match(r.stdout.split('\n')[0], /^Branch develop deploys to: dev \(GitFlow: develop → dev\)/);
    const status = await stageStatus(repo.dir);
    assert.equal(status.dev.status, 'healthy');
    assert.equal(status.dev.commit, devCommit);
    assert.equal(status.qa.status, 'not-deployed');
    assert.equal(status.prod.status, 'not-deployed');
    devPids = pids('dev');
  });

  it("on feature/alice, the first run creates Alice's own stage, with its own database, and deploys only there", async () => {
    repo.git('checkout', '-q', '-b', 'feature/alice');
    user('Alice', 'alice@example.invalid');
    const feature = repo.commit('alice: a feature', { 'FEATURE.md': () => 'alice\n' });
    const r = await cliOk(['pipeline', 'run'], repo.dir);
    assert.match(r.stdout, /Branch feature\/alice deploys to: alice \(GitFlow: feature\/\* → the developer's own stage\)/);
    assert.match(r.stdout, /→ alice$/m, 'the run header lists alice alone');
    const status = await stageStatus(repo.dir);
    assert.equal(status.alice.status, 'healthy');
    assert.equal(status.alice.commit, feature);
    const served = await info(await stageUrl(repo.dir, 'alice'));
    assert.equal(served.commitHash, feature);
    assert.equal(served.stage, 'alice');
    assert.equal(served.database, 'postgres');
    // Nothing else moved: dev keeps its commit and its very processes; qa and prod stay empty.
    assert.equal(status.dev.commit, devCommit);
    assert.deepEqual(pids('dev'), devPids);
    assert.equal(status.qa.status, 'not-deployed');
    assert.equal(status.prod.status, 'not-deployed');
    // The stage is kept out of the committed file, shown with its owner, branch and expiry.
    assert.doesNotMatch(repo.read('stagecraft.yaml'), /alice/);
    assert.equal(repo.git('status', '--porcelain'), '');
    const text = (await cliOk(['status'], repo.dir)).stdout;
    assert.match(text, /alice .*personal: Alice, feature\/alice, expires in 6 d/);
  });

  it('a second developer whose name slugs the same is refused with the fix; nothing runs', async () => {
    const runs = (await listRuns(repo.dir)).length;
    user('ALICE', 'other-alice@example.invalid');
    const r = await cli(['pipeline', 'run'], repo.dir);
    user('Alice', 'alice@example.invalid');
    assert.equal(r.code, 2, r.output);
    assert.match(r.stderr, /"alice" belongs to Alice <alice@example\.invalid>/);
    assert.match(r.stderr, /git config stagecraft\.stage alice-2/);
    assert.equal((await listRuns(repo.dir)).length, runs);
  });

  it('a feature commit to a protected stage needs --force; a branch mapped to nothing and a detached HEAD exit 2', async () => {
    const runs = (await listRuns(repo.dir)).length;
    const toProd = await cli(['pipeline', 'run', '--stage', 'prod'], repo.dir);
    assert.equal(toProd.code, 2, toProd.output);
    assert.match(toProd.stderr, /--stage prod crosses the branch mapping \(branch feature\/alice deploys to alice\), and prod is protected/);
    assert.match(toProd.stderr, /--force/);

    repo.git('checkout', '-q', '-b', 'spike/idea');
    const unmapped = await cli(['pipeline', 'run'], repo.dir);
    assert.equal(unmapped.code, 2, unmapped.output);
    assert.match(unmapped.stderr, /Branch spike\/idea deploys to no stage/);
    assert.match(unmapped.stderr, /^ {2}develop +dev$/m);
    assert.match(unmapped.stderr, /^ {2}release\/\* +qa → prod$/m);
    assert.match(unmapped.stderr, /^ {2}feature\/\* +alice$/m);

    repo.git('checkout', '-q', '--detach');
    const detached = await cli(['deploy'], repo.dir);
    assert.equal(detached.code, 2, detached.output);
    assert.match(detached.stderr, /HEAD is detached/);
    assert.match(detached.stderr, /--branch NAME/);

    assert.equal((await listRuns(repo.dir)).length, runs, 'none of them started a run');
    assert.equal((await stageStatus(repo.dir)).prod.status, 'not-deployed');
  });

  let releaseCommit: string;

  it('on release/1.2, qa first, then the run waits for approval before prod', async () => {
    repo.git('checkout', '-q', 'develop');
    repo.git('checkout', '-q', '-b', 'release/1.2');
    releaseCommit = repo.commit('release 1.2', { 'VERSION': () => '1.2\n' });
    const run = new CliProcess(['pipeline', 'run'], repo.dir);
    try {
      await run.waitFor(/Branch release\/1\.2 deploys to: qa → prod/, 30_000);
      await run.waitFor(/⏸ prod waits for approval/, 200_000);
      const waiting = await stageStatus(repo.dir);
      assert.equal(waiting.qa.commit, releaseCommit);
      assert.equal(waiting.prod.status, 'awaiting-approval');
      await cliOk(['approve', 'prod'], repo.dir);
      const result = await run.done;
      assert.equal(result.code, 0, result.output);
    } finally {
      run.kill('SIGKILL');
    }
    const status = await stageStatus(repo.dir);
    assert.equal(status.prod.commit, releaseCommit);
    assert.equal(status.dev.commit, devCommit, 'a release does not touch dev');
    assert.deepEqual(pids('dev'), devPids);
  });

  it('on main, the run takes the prod path only', async () => {
    repo.git('checkout', '-q', 'main');
    repo.git('merge', '-q', '--no-ff', '-m', 'release 1.2', 'release/1.2');
    const head = repo.head();
    const qaBefore = pids('qa');
    const r = await cliOk(['pipeline', 'run', '--auto-approve'], repo.dir);
    assert.match(r.stdout, /^Branch main deploys to: prod \(GitFlow: main → prod\)/);
    const [latest] = await listRuns(repo.dir);
    assert.deepEqual(latest.stages, ['prod']);
    const status = await stageStatus(repo.dir);
    assert.equal(status.prod.commit, head);
    assert.equal(status.qa.commit, releaseCommit);
    assert.deepEqual(pids('qa'), qaBefore);
  });

  it("a merged feature branch's stage is destroyed at the next run: processes and database gone", async () => {
    repo.git('checkout', '-q', 'develop');
    repo.git('merge', '-q', '--no-ff', '-m', 'merge alice', 'feature/alice');
    const r = await cliOk(['pipeline', 'run'], repo.dir);
    assert.match(r.stdout, /Destroyed personal stage alice \(Alice\): its branch feature\/alice was merged/);
    const status = await stageStatus(repo.dir);
    assert.equal(status.alice, undefined);
    assert.equal(status.dev.commit, repo.head());
    assert.equal(existsSync(join(stateDir(repo.dir), 'db', 'alice')), false, "alice's database is gone");
    assert.deepEqual(processesUnder(join(stateDir(repo.dir), 'local', 'alice')), []);
  });

  it('a personal stage goes once its TTL has passed (clock injected); the shared stages never do', async () => {
    repo.git('checkout', '-q', '-b', 'feature/bob');
    user('Bob', 'bob@example.invalid');
    // A change inside the build context (src/), so bob's artifact is his alone.
    repo.commit('bob: a feature', { 'src/main.js': text => `${text}\n// bob's feature\n` });
    await cliOk(['pipeline', 'run'], repo.dir);
    const artifact = (JSON.parse(readFileSync(join(stateDir(repo.dir), 'stages', 'bob.json'), 'utf8')) as { artifact: string }).artifact;
    assert.ok(existsSync(join(stateDir(repo.dir), 'artifacts', artifact)));
    assert.notEqual(artifact, (JSON.parse(readFileSync(join(stateDir(repo.dir), 'stages', 'dev.json'), 'utf8')) as { artifact: string }).artifact);
    const shared = Object.fromEntries(SHARED.map(s => [s, pids(s)]));

    const early = await cliOk(['stage', 'expire', '--now', new Date(Date.now() + 6 * DAY).toISOString()], repo.dir);
    assert.match(early.stdout, /No personal stage has expired/);
    assert.equal((await stageStatus(repo.dir)).bob.status, 'healthy');

    const late = await cliOk(['stage', 'expire', '--now', new Date(Date.now() + 8 * DAY).toISOString()], repo.dir);
    assert.match(late.stdout, /Destroyed bob \(Bob, feature\/bob\): its time to live ran out/);
    const status = await stageStatus(repo.dir);
    assert.equal(status.bob, undefined);
    assert.equal(existsSync(join(stateDir(repo.dir), 'db', 'bob')), false, "bob's database is gone");
    assert.equal(existsSync(join(stateDir(repo.dir), 'artifacts', artifact)), false, 'the artifact only bob used is gone');
    assert.deepEqual(processesUnder(join(stateDir(repo.dir), 'local', 'bob')), []);

    // A year on, dev, qa and prod (protected) still serve from the same processes.
    await cliOk(['stage', 'expire', '--now', new Date(Date.now() + 365 * DAY).toISOString()], repo.dir);
    const after = await stageStatus(repo.dir);
    for (const s of SHARED) {
      assert.equal(after[s].status, 'healthy', s);
      assert.deepEqual(pids(s), shared[s], s);
    }
  });
});
