import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { stateDir } from '../../../src/core/workspace';
import { networkMode } from '../../../src/local/runtime/netns';
import { runtimePaths } from '../../../src/local/runtime/paths';
import { canConnect } from '../../../src/local/runtime/ports';
import { isAlive, listeningPortsOfGroup } from '../../../src/local/runtime/procinfo';
import { readRuntimeState, type RecordedVersion } from '../../../src/local/runtime/state';
import { cli, cliOk, ensureCliBuilt, stageUrl } from './support/cli';
import { destroyStages, processesUnder } from './support/cleanup';
import { FixtureRepo } from './support/fixtureRepo';
import { Poller, request } from './support/http';

/**
 * Per-version network namespaces (Linux, issue 14): an app hard-coded to 0.0.0.0:8000
 * (test/fixtures/services/fixed-port-db), released UNMODIFIED, serves in two stages at once,
 * redeploys blue/green with no failed request, reads its database at the PG_HOST/PG_PORT it is
 * told, and is reachable only through the stage's proxy. STAGECRAFT_NETNS=off brings back the
 * host's network: one fixed port serves one stage.
 */
describe('e2e: each app version in its own network namespace', function () {
  this.timeout(300_000);
  const STAGES = ['dev', 'test'];
  const repos: FixtureRepo[] = [];
  let repo: FixtureRepo;
  const urls: Record<string, string> = {};

  before(async function () {
    if (process.platform !== 'linux') this.skip();
    ensureCliBuilt();
    repo = new FixtureRepo('fixed-port-db');
    repos.push(repo);
    await cliOk(['init'], repo.dir);
    repo.addDatabase(STAGES);
    const run = await cli(['pipeline', 'run', '--stage', 'dev', '--stage', 'test'], repo.dir);
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /in its own network namespace/);
    for (const stage of STAGES) urls[stage] = await stageUrl(repo.dir, stage);
  });

  after(async function () {
    for (const r of repos) {
      const problems = await destroyStages(r.dir, STAGES);
      if (problems.length) console.log(`    cleanup ${r.service}: ${problems.join('\n    ')}`);
      r.remove();
    }
  });

  async function active(stage: string): Promise<RecordedVersion> {
    const state = await readRuntimeState(repo.dir, stage);
    assert.ok(state?.active, `stage ${stage} has no active version: ${JSON.stringify(state)}`);
    return state.active;
  }

  async function json(url: string): Promise<Record<string, unknown>> {
    const answer = await request(url);
    assert.equal(answer.status, 200, `GET ${url}: ${answer.status} ${answer.body}`);
    return JSON.parse(answer.body) as Record<string, unknown>;
  }

  it('serves two stages of the same port-8000 app at once, each in its own namespace', async () => {
    const namespaces = new Set<string>();
    for (const stage of STAGES) {
      const info = await json(`${urls[stage]}/info`);
      assert.deepEqual(info, { service: 'fixed-port-db', port: 8000, stage, commitHash: repo.head() });
      const version = await active(stage);
      assert.equal(version.isolated, true);
      assert.equal(version.port, 8000, 'the port inside its namespace');
      namespaces.add(readlinkSync(`/proc/${version.pid}/ns/net`));
    }
    assert.equal(namespaces.size, 2, 'one namespace per stage');
    assert.ok(!namespaces.has(readlinkSync('/proc/self/ns/net')), 'not the host network');
  });

  it('the app reads its own stage database at PG_HOST/PG_PORT from inside its namespace', async () => {
    for (const stage of STAGES) {
      const first = await json(`${urls[stage]}/db`);
      assert.equal(first.database, stage);
      assert.equal(first.pgHost, '127.0.0.1');
      assert.match(String(first.pgPort), /^\d+$/);
      const second = await json(`${urls[stage]}/db`);
      assert.equal(second.visits, (first.visits as number) + 1, 'rows written and read back');
    }
  });

  it('nothing outside reaches the app except through the proxy: it holds no port of the host', async () => {
    for (const stage of STAGES) {
      const version = await active(stage);
      // The version's processes (bridge and app) listen on no TCP port of the host's network.
      assert.deepEqual(await listeningPortsOfGroup(version.pid), [], `stage ${stage}'s version listens on the host`);
      // Whatever else may hold 8000 on this machine, it is not this stage's app.
      if (await canConnect(8000)) {
        const answer = await request('http://127.0.0.1:8000/info').catch(() => undefined);
        assert.ok(!answer?.body.includes(repo.head()), `port 8000 of the host answers as this stage's app: ${answer?.body}`);
      }
      // The one way in besides the proxy is the bridge's Unix socket, in the stage's 0700 runtime folder.
      assert.ok(version.socket && existsSync(version.socket));
    }
  });

  it('outbound network: the app reaches a server on the host network address, not the host loopback', async function () {
    const mode = await networkMode();
    assert.equal(mode.kind, 'namespace');
    if (mode.kind !== 'namespace' || !mode.slirp4netns) this.skip();
    const address = Object.values(os.networkInterfaces())
      .flat()
      .find(a => a && a.family === 'IPv4' && !a.internal)?.address;
    assert.ok(address, 'this machine has a non-loopback IPv4 address');
    const server = http.createServer((_req, res) => res.end('from outside'));
    await new Promise<void>(resolve => server.listen(0, '0.0.0.0', () => resolve()));
    const { port } = server.address() as { port: number };
    try {
      const out = await json(`${urls.dev}/fetch?url=${encodeURIComponent(`http://${address}:${port}/`)}`);
      assert.deepEqual(out, { status: 200, body: 'from outside' });
      // 127.0.0.1 inside is the namespace's own loopback, and slirp4netns refuses the host's (10.0.2.2).
      for (const host of ['127.0.0.1', '10.0.2.2']) {
        const refused = await json(`${urls.dev}/fetch?url=${encodeURIComponent(`http://${host}:${port}/`)}`);
        assert.ok(refused.error, `the app reached the host's loopback at ${host}: ${JSON.stringify(refused)}`);
      }
    } finally {
      server.close();
    }
  });

  it('redeploys the fixed-port app blue/green under polling with 0 failed requests', async () => {
    const before = await active('dev');
    writeFileSync(path.join(repo.dir, 'CHANGES.md'), 'second release\n');
    repo.git('add', 'CHANGES.md');
    repo.git('commit', '-q', '-m', 'second release');
    const next = repo.head();
    const poller = new Poller(urls.dev, 20);
    const run = await cli(['pipeline', 'run', '--stage', 'dev'], repo.dir);
    // Keep polling a moment after the switch: the old version is stopping behind the proxy.
    await new Promise(resolve => setTimeout(resolve, 500));
    const samples = await poller.stop();
    assert.equal(run.code, 0, run.output);
    const failed = samples.filter(s => s.status !== 200);
    assert.deepEqual(failed, [], `failed requests during the redeploy (${samples.length} in all)`);
    assert.ok(samples.length > 50, `only ${samples.length} requests were made`);
    assert.equal(samples[samples.length - 1].commit, next);
    const after = await active('dev');
    assert.equal(after.mode, 'blue-green');
    assert.notEqual(after.pid, before.pid);
    assert.ok(!isAlive(before.pid), 'the old version (its bridge and namespace) is gone');
  });

  it('destroy leaves no bridge, app or socket behind', async () => {
    const versions = await Promise.all(STAGES.map(active));
    const problems = await destroyStages(repo.dir, STAGES);
    assert.deepEqual(problems, []);
    for (const v of versions) {
      assert.ok(!isAlive(v.pid), `pid ${v.pid} still runs`);
      assert.ok(!existsSync(v.socket!), `${v.socket} is left`);
    }
    assert.deepEqual(processesUnder(stateDir(repo.dir)), []);
    for (const stage of STAGES) assert.ok(!existsSync(runtimePaths(repo.dir, stage).netDir));
  });

  it('STAGECRAFT_NETNS=off: the host network as before, so a second stage cannot take port 8000', async () => {
    const plain = new FixtureRepo('fixed-port');
    repos.push(plain);
    await cliOk(['init'], plain.dir);
    const off = { STAGECRAFT_NETNS: 'off' };
    const run = await cli(['pipeline', 'run', '--stage', 'dev', '--stage', 'test'], plain.dir, off);
    const dev = (await readRuntimeState(plain.dir, 'dev'))?.active;
    // Another program may hold 8000 on a shared machine; then dev cannot start either, with the same clear message.
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /Two stages cannot share a fixed port|fixed port/);
    if (dev) {
      assert.notEqual(dev.isolated, true);
      assert.equal((await json(`${await stageUrl(plain.dir, 'dev')}/`)).stage, 'dev');
    }
    const daemonLog = readFileSync(runtimePaths(plain.dir, 'dev').daemonLog, 'utf8');
    assert.match(daemonLog, /network isolation: off \(STAGECRAFT_NETNS=off\)/);
  });
});
