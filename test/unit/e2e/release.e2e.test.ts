import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from '../../../src/core/workspace';
import { cli, cliOk, CliProcess, ensureCliBuilt, listRuns, stageStatus, stageUrl } from './support/cli';
import { destroyStages } from './support/cleanup';
import { info, request } from './support/http';
import { GIT_USER, SampleRepo } from './support/sampleRepo';

/**
 * The main job end to end, through the real CLI (`node dist/cli.js`) on a copy of the sample
 * service with its own stagecraft.yaml (dev with PostgreSQL, test with a GREETING override and an
 * allowed origin, prod behind an approval): every check goes over HTTP to the stage URL that
 * `stagecraft status --json` reports. One repository and two runs serve every test, in order.
 */
describe('e2e: releasing the sample service through dev → test → prod', function () {
  this.timeout(240_000);
  const STAGES = ['dev', 'test', 'prod'];
  let repo: SampleRepo;
  let first: string;
  let run1: CliProcess;
  let run1Id: string;

  before(async function () {
    ensureCliBuilt();
    repo = new SampleRepo({ keepTests: ['config.test.js'] });
    first = repo.head();
    // No --auto-approve: dev and test are released, then the run waits at prod's gate.
    run1 = new CliProcess(['pipeline', 'run'], repo.dir);
    run1Id = (await run1.waitFor(/Started run (\S+):/, 30_000))[1];
    await run1.waitFor(/⏸ prod waits for approval/, 200_000);
  });

  after(async function () {
    run1?.kill('SIGKILL');
    if (!repo) return;
    const problems = await destroyStages(repo.dir, STAGES);
    if (problems.length) console.log(`    cleanup: ${problems.join('\n    cleanup: ')}`);
    repo.remove();
  });

  it('dev serves the commit it says it serves (GET /info commitHash = git HEAD)', async () => {
    const status = await stageStatus(repo.dir);
    assert.equal(status.dev.status, 'healthy');
    assert.equal(status.dev.commit, first);
    const served = await info(await stageUrl(repo.dir, 'dev'));
    assert.equal(served.commitHash, first);
    assert.equal(served.stage, 'dev');
  });

  it("test shows its GREETING override; dev keeps the Dockerfile's ENV", async () => {
    const onTest = await info(await stageUrl(repo.dir, 'test'));
    assert.equal(onTest.commitHash, first);
    assert.equal(onTest.greeting, 'Hello from the test stage');
    assert.equal((await info(await stageUrl(repo.dir, 'dev'))).greeting, 'Hello from the Dockerfile');
  });

  it("the test stage's proxy enforces its origins: the allowed one gets CORS headers, another does not", async () => {
    const url = await stageUrl(repo.dir, 'test');
    const allowed = 'http://localhost:5173';
    const other = 'https://elsewhere.example.com';

    const get = await request(`${url}/info`, { headers: { Origin: allowed } });
    assert.equal(get.status, 200);
    assert.equal(get.headers['access-control-allow-origin'], allowed);
    const preflight = await request(`${url}/items`, { method: 'OPTIONS', headers: { Origin: allowed, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], allowed);
    assert.match(String(preflight.headers['access-control-allow-methods']), /POST/);

    const foreign = await request(`${url}/info`, { headers: { Origin: other } });
    assert.equal(foreign.headers['access-control-allow-origin'], undefined, 'a foreign origin must get no CORS headers');
    const foreignPreflight = await request(`${url}/items`, { method: 'OPTIONS', headers: { Origin: other, 'Access-Control-Request-Method': 'POST' } });
    assert.equal(foreignPreflight.status, 403);
    assert.equal(foreignPreflight.headers['access-control-allow-origin'], undefined);
    assert.match(foreignPreflight.body, /origins add test/);
  });

  it('an origin added with `stagecraft origins add` is allowed at once, and refused again once removed', async () => {
    const url = await stageUrl(repo.dir, 'test');
    const origin = 'https://app.example.com';
    const preflight = () => request(`${url}/info`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'GET' } });
    assert.equal((await preflight()).status, 403);
    await cliOk(['origins', 'add', 'test', origin], repo.dir);
    const ok = await preflight();
    assert.equal(ok.status, 204);
    assert.equal(ok.headers['access-control-allow-origin'], origin);
    await cliOk(['origins', 'remove', 'test', origin], repo.dir);
    assert.equal((await preflight()).status, 403);
    // The edits went through stagecraft.yaml; add and remove leave its meaning as committed.
    assert.match(repo.read('stagecraft.yaml'), /- http:\/\/localhost:5173/);
    assert.doesNotMatch(repo.read('stagecraft.yaml'), /app\.example\.com/);
  });

  it("dev's app writes to and reads from dev's own PostgreSQL; test has no database", async () => {
    const dev = await stageUrl(repo.dir, 'dev');
    assert.equal((await info(dev)).database, 'postgres');
    const name = `e2e item ${process.pid}`;
    const created = await request(`${dev}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
    assert.equal(created.status, 201, created.body);
    const listed = JSON.parse((await request(`${dev}/items`)).body) as { items: { name: string }[] };
    assert.ok(listed.items.some(i => i.name === name), `GET /items on dev: ${JSON.stringify(listed)}`);
    const onTest = await request(`${await stageUrl(repo.dir, 'test')}/items`);
    assert.equal(onTest.status, 503, 'the test stage declares no database');
  });

  it('the approval gate holds: the run waits at prod, which serves nothing yet', async () => {
    await new Promise(resolve => setTimeout(resolve, 1500));
    assert.equal(run1.child.exitCode, null, `the run ended while waiting for approval:\n${run1.text}`);
    const status = await stageStatus(repo.dir);
    assert.equal(status.prod.status, 'awaiting-approval');
    assert.equal(status.prod.commit, null);
    assert.equal(status.prod.url, null);
    const [latest] = await listRuns(repo.dir);
    assert.equal(latest.id, run1Id);
    assert.equal(latest.status, 'awaiting-approval');
    assert.doesNotMatch(run1.text, /▶ prod: deploy/);
  });

  it('`stagecraft approve prod` from a second process releases it; prod then serves the commit, with its own database', async () => {
    const approval = await cliOk(['approve', 'prod', '--comment', 'ship it'], repo.dir);
    assert.match(approval.stdout, new RegExp(`Approved the promotion to prod as ${GIT_USER.name} \\("ship it"\\)`));
    const result = await run1.done;
    assert.equal(result.code, 0, result.output);
    assert.match(result.stdout, new RegExp(`✔ prod approved by ${GIT_USER.name}: ship it`));
    assert.match(result.stdout, /✔ prod: promote/);

    const prod = await stageUrl(repo.dir, 'prod');
    const served = await info(prod);
    assert.equal(served.commitHash, first);
    assert.equal(served.database, 'postgres');
    const items = JSON.parse((await request(`${prod}/items`)).body) as { items: unknown[] };
    assert.deepEqual(items.items, [], "prod's database is its own: dev's item is not there");

    const record = JSON.parse(readFileSync(join(stateDir(repo.dir), 'runs', run1Id, 'run.json'), 'utf8')) as {
      status: string;
      artifact: { id: string };
      steps: { id: string; approval?: { decision: string; by: string; at: string; comment?: string } }[];
      stageRecords: Record<string, { status: string; commit: string; artifact: string }>;
    };
    assert.equal(record.status, 'succeeded');
    const gate = record.steps.find(s => s.id === 'stage:prod:approval')?.approval;
    assert.equal(gate?.decision, 'approved');
    assert.equal(gate?.by, GIT_USER.name);
    assert.equal(gate?.comment, 'ship it');
    assert.ok(gate && Date.now() - Date.parse(gate.at) < 120_000, `approval time recorded: ${gate?.at}`);
    // One artifact, built once, promoted by its content hash through every stage.
    for (const stage of STAGES) {
      assert.equal(record.stageRecords[stage].status, 'serving');
      assert.equal(record.stageRecords[stage].artifact, record.artifact.id);
    }
    assert.equal((result.stdout.match(/▶ Build artifact/g) ?? []).length, 1);
  });

  it('`stagecraft reject prod` ends the next run at the gate: dev and test get the new commit, prod keeps the old one', async () => {
    const second = repo.commit('docs: a change that reaches dev and test only', { 'README.md': text => `${text}\nA line for the second release.\n` });
    const run2 = new CliProcess(['pipeline', 'run'], repo.dir);
    try {
      await run2.waitFor(/⏸ prod waits for approval/, 200_000);
      const rejection = await cliOk(['reject', 'prod', '--comment', 'not today'], repo.dir);
      assert.match(rejection.stdout, /Rejected the promotion to prod/);
      const result = await run2.done;
      assert.equal(result.code, 1, result.output);
      assert.match(result.stdout, new RegExp(`✘ prod rejected by ${GIT_USER.name}: not today`));
      assert.doesNotMatch(result.stdout, /▶ prod: deploy/);
    } finally {
      run2.kill('SIGKILL');
    }
    assert.equal((await listRuns(repo.dir))[0].status, 'rejected');
    assert.equal((await info(await stageUrl(repo.dir, 'dev'))).commitHash, second);
    assert.equal((await info(await stageUrl(repo.dir, 'test'))).commitHash, second);
    assert.equal((await info(await stageUrl(repo.dir, 'prod'))).commitHash, first);
    // dev's data survived its redeploy.
    const items = JSON.parse((await request(`${await stageUrl(repo.dir, 'dev')}/items`)).body) as { items: { name: string }[] };
    assert.ok(items.items.some(i => i.name === `e2e item ${process.pid}`), `dev lost its data on redeploy: ${JSON.stringify(items)}`);
  });

  it('a run killed (-9) while waiting at the gate reads as interrupted; an approval given meanwhile counts when it is resumed', async () => {
    const third = repo.commit('docs: a third release', { 'README.md': text => `${text}\nA line for the third release.\n` });
    const run3 = new CliProcess(['pipeline', 'run'], repo.dir);
    let runId: string;
    try {
      runId = (await run3.waitFor(/Started run (\S+):/, 30_000))[1];
      await run3.waitFor(/⏸ prod waits for approval/, 200_000);
    } finally {
      run3.kill('SIGKILL');
    }
    assert.equal((await run3.done).signal, 'SIGKILL');
    const [latest] = await listRuns(repo.dir);
    assert.equal(latest.id, runId);
    assert.equal(latest.status, 'interrupted');
    assert.equal((await info(await stageUrl(repo.dir, 'prod'))).commitHash, first, 'prod keeps serving while nobody waits at its gate');

    const approval = await cliOk(['approve', 'prod', '--comment', 'after the crash'], repo.dir);
    assert.match(approval.stdout, /Approved the promotion to prod/);
    const resumed = await cli(['pipeline', 'resume'], repo.dir);
    assert.equal(resumed.code, 0, resumed.output);
    assert.match(resumed.stdout, new RegExp(`Resumed run ${runId}`));
    assert.match(resumed.stdout, new RegExp(`✔ prod approved by ${GIT_USER.name}: after the crash`));
    assert.doesNotMatch(resumed.stdout, /▶ (Build artifact|dev: deploy|test: deploy)/, 'a resumed run starts at its pending step');
    assert.equal((await info(await stageUrl(repo.dir, 'prod'))).commitHash, third);
  });

  it('`stagecraft approve` with nothing waiting says so and exits 2', async () => {
    const result = await cli(['approve', 'prod'], repo.dir);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /No promotion to prod is waiting for approval/);
  });
});
