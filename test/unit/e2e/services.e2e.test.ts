import * as assert from 'node:assert/strict';
import { networkMode } from '../../../src/local/runtime/netns';
import { cli, cliOk, ensureCliBuilt, stageUrl } from './support/cli';
import { destroyStages } from './support/cleanup';
import { FixtureRepo } from './support/fixtureRepo';
import { request } from './support/http';

/**
 * Services written the way real ones are (test/fixtures/services), each released UNMODIFIED:
 * `stagecraft init` writes the stack file, a database is added to dev and test, and
 * `pipeline run --stage dev --stage test` must leave both stages answering over HTTP.
 */
describe('e2e: real-style services run unmodified through dev → test', function () {
  this.timeout(300_000);
  const STAGES = ['dev', 'test'];
  const repos: FixtureRepo[] = [];

  before(() => ensureCliBuilt());
  after(async function () {
    for (const repo of repos) {
      const problems = await destroyStages(repo.dir, STAGES);
      if (problems.length) console.log(`    cleanup ${repo.service}: ${problems.join('\n    ')}`);
      repo.remove();
    }
  });

  async function release(service: string): Promise<{ repo: FixtureRepo; output: string; code: number | null }> {
    const repo = new FixtureRepo(service);
    repos.push(repo);
    await cliOk(['init'], repo.dir);
    repo.addDatabase(STAGES);
    const validate = await cli(['validate'], repo.dir);
    assert.equal(validate.code, 0, `validate refuses ${service}:\n${validate.output}`);
    const run = await cli(['pipeline', 'run', '--stage', 'dev', '--stage', 'test'], repo.dir);
    return { repo, output: run.output, code: run.code };
  }

  async function getJson(url: string): Promise<Record<string, unknown>> {
    const answer = await request(url);
    assert.equal(answer.status, 200, `GET ${url}: ${answer.status} ${answer.body}`);
    return JSON.parse(answer.body) as Record<string, unknown>;
  }

  async function releasedToBoth(service: string): Promise<{ repo: FixtureRepo; output: string; urls: Record<string, string> }> {
    const { repo, output, code } = await release(service);
    assert.equal(code, 0, output);
    const urls: Record<string, string> = {};
    for (const stage of STAGES) urls[stage] = await stageUrl(repo.dir, stage);
    return { repo, output, urls };
  }

  it('TypeScript multi-stage: the builder compiles, COPY --from=builder carries dist/, USER is ignored', async () => {
    const { repo, output, urls } = await releasedToBoth('ts-multistage');
    assert.match(repo.read('stagecraft.yaml'), /healthCheck: \/healthz .*found in src\/routes.ts/);
    assert.doesNotMatch(repo.read('stagecraft.yaml'), /^\s+(build|start):/m);
    for (const stage of STAGES) {
      const body = await getJson(`${urls[stage]}/`);
      assert.deepEqual({ ...body, commit: undefined }, { service: 'ts-multistage', compiled: true, stage, commit: undefined });
      assert.equal(body.commit, repo.head());
    }
    assert.doesNotMatch(output, /✘/);
  });

  it('a hard-coded port 8000 on 0.0.0.0: dev and test serve it at once (each version in its own network namespace)', async () => {
    const mode = await networkMode();
    const { repo, output, code } = await release('fixed-port');
    assert.match(repo.read('stagecraft.yaml'), /port: 8000/);
    const dev = await getJson(`${await stageUrl(repo.dir, 'dev')}/`);
    assert.equal(dev.service, 'fixed-port');
    assert.equal(dev.stage, 'dev');
    if (mode.kind === 'namespace') {
      assert.equal(code, 0, output);
      assert.equal((await getJson(`${await stageUrl(repo.dir, 'test')}/`)).stage, 'test');
    } else {
      // Without network namespaces (not Linux, STAGECRAFT_NETNS=off: netns.e2e.test.ts) one fixed port serves one stage.
      assert.equal(code, 1, output);
      assert.match(output, /Two stages cannot share a fixed port|fixed port/);
    }
  });

  it('Python: gunicorn installed with pip --user starts from the artifact (no "gunicorn: not found")', async () => {
    const { repo, urls } = await releasedToBoth('python-gunicorn');
    assert.match(repo.read('stagecraft.yaml'), /healthCheck: \/ping/);
    for (const stage of STAGES) assert.deepEqual(await getJson(`${urls[stage]}/`), { service: 'python-gunicorn', stage, commit: repo.head() });
  });

  it('ENTRYPOINT wrapper script + CMD: the wrapper runs and execs the app', async () => {
    const { urls } = await releasedToBoth('entrypoint-wrapper');
    for (const stage of STAGES) assert.deepEqual(await getJson(`${urls[stage]}/`), { service: 'entrypoint-wrapper', startedBy: 'docker-entrypoint', mode: 'container', stage });
  });

  it('an apt-get install line is skipped, never run on the host, and the build says which packages this machine has', async () => {
    const { output, urls } = await releasedToBoth('apt-packages');
    for (const stage of STAGES) assert.deepEqual(await getJson(`${urls[stage]}/`), { service: 'apt-packages', stage });
    assert.equal((await request(`${urls.dev}/healthy`)).status, 200);
    assert.doesNotMatch(output, /Reading package lists/, 'apt-get never ran');
  });

  it('PG_USERNAME and DATABASE_URL reach the app, which queries its stage database with them', async () => {
    const { urls } = await releasedToBoth('pg-env');
    for (const stage of STAGES) {
      const body = await getJson(`${urls[stage]}/`);
      assert.equal(body.pgUsername, 'postgres');
      assert.deepEqual(body.db, { user: 'postgres', database: stage });
    }
  });
});
