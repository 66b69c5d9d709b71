import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs, readFileSync, statSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAppLogLine } from '../../../src/local/runtime/appLogFormat';
import { connectStageRuntime, readStageRuntimeStatus, type StageRuntime } from '../../../src/local/runtime/client';
import { nodeLaunchers } from '../../../src/local/runtime/launch';
import { runtimePaths } from '../../../src/local/runtime/paths';
import { freePort } from '../../../src/local/runtime/ports';
import { isSameProcess, startTicksOf } from '../../../src/local/runtime/procinfo';
import { readAllRuntimeStates } from '../../../src/local/runtime/state';

/** The repository root (this file runs from test/unit/local or out/test/unit/local). */
function repoRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) if (existsSync(path.join(dir, 'esbuild.mjs'))) return dir;
  throw new Error(`no esbuild.mjs above ${__dirname}`);
}

const REPO = repoRoot();
const APPS = path.join(REPO, 'test/fixtures/apps');
const APP = path.join(APPS, 'version-app.js');

interface Answer {
  status: number;
  body: string;
  allowOrigin?: string;
}

/** Obviously fake, and assembled at run time so secret scanners of this repository see no literal. */
const FAKE_SECRET = ['fake', 'runtime', 'test', 'value', String(process.pid)].join('-');
const FAKE_STRIPE = ['plain', 'looking', 'stripe', 'value', String(process.pid)].join('-');

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 8 });

function get(url: string, agent: http.Agent | false = false, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, timeout: 5000, headers }, res => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, allowOrigin: res.headers['access-control-allow-origin'] }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function version(url: string): Promise<string> {
  const answer = await get(url);
  assert.equal(answer.status, 200, `GET ${url}: ${answer.status} ${answer.body}`);
  return (JSON.parse(answer.body) as { version: string }).version;
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie is dead for our purposes.
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return !/\) Z /.test(stat);
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 50));
  }
}

function appVersion(v: string, extra: Record<string, string> = {}, fixedPort?: number) {
  return { artifactId: `artifact-${v}`, commit: `commit-${v}`, cwd: APPS, command: [process.execPath, APP], env: { APP_VERSION: v, ...extra }, fixedPort };
}

/** Builds dist/stage-daemon.js with the product's esbuild config (the runtime runs the bundle, as in the product). */
function buildDaemon(): void {
  const started = Date.now();
  const result = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: REPO, encoding: 'utf8' });
  const bundle = path.join(REPO, 'dist/stage-daemon.js');
  // Another bundle of the tree may fail to build while others work on it; ours must have been written now.
  if (result.status !== 0 && !(existsSync(bundle) && statSync(bundle).mtimeMs >= started - 1000)) {
    throw new Error(`node esbuild.mjs failed:\n${result.stdout}\n${result.stderr}`);
  }
}

describe('local stage runtime: running Node for the daemon', () => {
  it('inside VS Code (Electron) runs its binary as Node, with node from PATH as the fallback', () => {
    const launchers = nodeLaunchers({ execPath: '/opt/code/code', versions: { ...process.versions, electron: '35.0.0' }, env: { PATH: '/usr/bin' } });
    assert.deepEqual(
      launchers.map(l => [l.file, l.env.ELECTRON_RUN_AS_NODE]),
      [
        ['/opt/code/code', '1'],
        ['node', undefined],
      ],
    );
  });

  it('under plain Node runs the same binary, without ELECTRON_RUN_AS_NODE leaking to the daemon', () => {
    const [only, ...rest] = nodeLaunchers({ execPath: '/usr/bin/node', versions: process.versions, env: { ELECTRON_RUN_AS_NODE: '1' } });
    assert.equal(only.file, '/usr/bin/node');
    assert.equal(only.env.ELECTRON_RUN_AS_NODE, undefined);
    assert.equal(rest.length, 0);
  });
});

describe('local stage runtime (real daemon, real processes)', function () {
  this.timeout(60_000);
  let root: string;
  /** Every daemon and app pid seen, with its start time, so cleanup never signals a recycled pid. */
  const pids = new Map<number, number | undefined>();
  const runtimes: StageRuntime[] = [];

  async function connect(stage: string, start = true): Promise<StageRuntime> {
    const runtime = await connectStageRuntime(root, stage, { origins: [], start });
    assert.ok(runtime, `a runtime for ${stage}`);
    runtimes.push(runtime);
    return runtime;
  }

  async function remember(): Promise<void> {
    for (const s of await readAllRuntimeStates(root)) {
      for (const v of [s.daemon, s.active, s.candidate]) if (v?.pid) pids.set(v.pid, v.startTicks);
    }
  }

  before(async () => {
    buildDaemon();
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'sc-runtime-'));
  });

  afterEach(remember);

  after(async function () {
    this.timeout(30_000);
    await remember().catch(() => undefined);
    for (const s of await readAllRuntimeStates(root).catch(() => [])) {
      const runtime = await connectStageRuntime(root, s.stage, { origins: [], start: false }).catch(() => undefined);
      await runtime?.stop().catch(() => undefined);
    }
    // Whatever a failed test left: daemons and app process groups (only if still the same processes).
    for (const [pid, ticks] of pids) {
      if (!(await isSameProcess(pid, ticks))) continue;
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    keepAlive.destroy();
    await fs.rm(root, { recursive: true, force: true });
  });

  describe('stage "blue"', () => {
    let runtime: StageRuntime;
    let url: string;

    it('starts a candidate beside nothing, promotes it, and the stage URL serves it', async () => {
      runtime = await connect('blue');
      const before = await runtime.status();
      assert.equal(before.running, true);
      assert.match(before.url ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
      url = before.url!;
      assert.equal((await get(url)).status, 503, 'nothing deployed yet');

      const v1 = await runtime.startCandidate({ ...appVersion('v1', { DB_PASSWORD: FAKE_SECRET, STRIPE: FAKE_STRIPE, APP_ECHO_ENV: 'DB_PASSWORD,STRIPE' }), secretEnv: ['STRIPE'] });
      // Its own address before the switch: its port, or (in its own network namespace) a proxy of its own.
      assert.equal(await version(`${v1.url}/`), 'v1', 'the candidate answers at its own address');
      assert.equal((await get(url)).status, 503, 'not promoted yet');
      assert.equal((await runtime.status()).candidate?.pid, v1.pid);

      await runtime.promoteCandidate();
      const answer = JSON.parse((await get(url)).body) as { version: string; commit: string; stage: string };
      assert.deepEqual([answer.version, answer.commit, answer.stage], ['v1', 'commit-v1', 'blue']);
      const after = await runtime.status();
      assert.equal(after.active?.pid, v1.pid);
      assert.equal(after.active?.commit, 'commit-v1');
      assert.equal(after.candidate, undefined);
    });

    it('writes the app output to app.log with a timestamp and the version', async () => {
      const log = await until('the listening line in app.log', async () => {
        const text = await fs.readFile(runtimePaths(root, 'blue').appLog, 'utf8').catch(() => '');
        return text.includes('version v1 listening') ? text : undefined;
      });
      const line = log.split('\n').find(l => l.includes('version v1 listening'))!;
      const parsed = parseAppLogLine(line);
      assert.ok(parsed, `parseable: ${line}`);
      assert.equal(parsed.stream, 'stdout');
      assert.equal(parsed.version, 'commit-v1');
      assert.ok(Math.abs(parsed.time.getTime() - Date.now()) < 60_000, 'a current ISO timestamp');
      assert.ok(existsSync(runtimePaths(root, 'blue').accessLog), 'the proxy writes its access log');
      assert.match(log, /commit-v1 stdout DB_PASSWORD is \*\*\*\*/, 'secret env values are masked in app.log');
      assert.ok(!log.includes(FAKE_SECRET), 'the secret value never reaches app.log');
      // Masking by provenance: STRIPE does not sound secret, but its value came from a stage secret.
      assert.match(log, /commit-v1 stdout STRIPE is \*\*\*\*/, 'a secret named STRIPE is masked in app.log');
      assert.ok(!log.includes(FAKE_STRIPE));
    });

    it('applies origins: from setOrigins, and from a client that connects with other origins', async () => {
      const shop = 'http://shop.example.test';
      assert.equal((await get(url, false, { origin: shop })).allowOrigin, undefined, 'not allowed by default');
      await runtime.setOrigins([shop]);
      assert.equal((await get(url, false, { origin: shop })).allowOrigin, shop);
      const other = 'http://other.example.test';
      await connectStageRuntime(root, 'blue', { origins: [other], start: false });
      assert.equal((await get(url, false, { origin: other })).allowOrigin, other);
      assert.equal((await get(url, false, { origin: shop })).allowOrigin, undefined);
      await runtime.setOrigins([]);
    });

    it("answers to the stage's `hosts:` once a client connects with them; an unlisted host is refused with the explanation", async () => {
      const port = new URL(url).port;
      assert.equal((await get(url, false, { host: 'shop.test' })).status, 421, 'not listed yet');
      await connectStageRuntime(root, 'blue', { origins: [], hosts: ['shop.localhost', 'shop.test'], start: false });
      for (const host of ['shop.localhost', 'shop.test', `shop.test:${port}`]) assert.equal((await get(url, false, { host })).status, 200, host);
      const refused = await get(url, false, { host: 'other.test' });
      assert.equal(refused.status, 421);
      assert.match(refused.body, new RegExp(`Stage "blue" answers only to 127\\.0\\.0\\.1:${port}, localhost:${port}, \\[::1\\]:${port}, shop\\.localhost, shop\\.test; this request named host "other\\.test"`));
      assert.deepEqual((await readAllRuntimeStates(root)).find(s => s.stage === 'blue')?.hosts, ['shop.localhost', 'shop.test'], 'state.json records them for a restarted daemon');
      await connectStageRuntime(root, 'blue', { origins: [], hosts: [], start: false });
      assert.equal((await get(url, false, { host: 'shop.test' })).status, 421, 'a name taken out of `hosts:` is refused again');
    });

    it('promotes a second version under a steady load with no failed request', async () => {
      const old = (await runtime.status()).active!;
      const seen = new Map<string, number>();
      let failures = 0;
      let requests = 0;
      let running = true;
      const worker = async () => {
        while (running) {
          try {
            const answer = await get(url, keepAlive);
            requests++;
            if (answer.status !== 200) failures++;
            else {
              const v = (JSON.parse(answer.body) as { version: string }).version;
              seen.set(v, (seen.get(v) ?? 0) + 1);
            }
          } catch {
            requests++;
            failures++;
          }
        }
      };
      const load = Promise.all([worker(), worker(), worker(), worker()]);
      await until('load under way', () => requests > 50 || undefined);
      await runtime.startCandidate(appVersion('v2'));
      await runtime.promoteCandidate();
      const switchedAt = requests;
      await until('requests after the switch', () => requests > switchedAt + 100 || undefined);
      running = false;
      await load;
      assert.equal(failures, 0, `${failures} of ${requests} requests failed`);
      assert.ok((seen.get('v1') ?? 0) > 0 && (seen.get('v2') ?? 0) > 0, `both versions served: ${JSON.stringify([...seen])}`);
      assert.equal(await version(url), 'v2');
      assert.equal(alive(old.pid), false, 'the old version was stopped');
    });

    it('rejects a candidate that crashes at start, with its last log lines, and the old version keeps serving', async () => {
      await assert.rejects(runtime.startCandidate(appVersion('broken', { APP_CRASH_AT_START: '1' })), (err: Error) => {
        assert.match(err.message, /stage "blue"/);
        assert.match(err.message, /code 3/);
        assert.match(err.message, /fatal: cannot read config file app\.conf/);
        return true;
      });
      assert.equal(await version(url), 'v2');
      assert.equal((await runtime.status()).candidate, undefined);
    });

    it('discards a candidate on request; the active version keeps serving', async () => {
      const v3 = await runtime.startCandidate(appVersion('v3'));
      await runtime.discardCandidate();
      await until('the discarded candidate gone', () => !alive(v3.pid) || undefined);
      assert.equal(await version(url), 'v2');
      assert.equal((await runtime.status()).candidate, undefined);
    });

    it('restarts the active version when it crashes, and records the crash', async () => {
      const before = (await runtime.status()).active!;
      await get(`${url}/crash`);
      const after = await until('a restarted version', async () => {
        const s = await runtime.status();
        return s.active && s.active.pid !== before.pid && s.restarts >= 1 ? s : undefined;
      });
      assert.equal(after.lastExit?.code, 1);
      assert.equal(after.active?.commit, before.commit);
      assert.equal(await until('serving again', async () => (await get(url).catch(() => undefined))?.status === 200 || undefined), true);
      assert.equal(await version(url), 'v2');
      const log = await fs.readFile(runtimePaths(root, 'blue').appLog, 'utf8');
      assert.match(log, /commit-v2 stderr version v2 crashing on request/);
      assert.match(log, /commit-v2 stagecraft crashed \(code 1\)/);
    });

    it('stop ends the daemon and every app process, and the stage reads as stopped', async () => {
      const candidate = await runtime.startCandidate(appVersion('v4'));
      const state = (await readAllRuntimeStates(root)).find(s => s.stage === 'blue')!;
      const daemonPid = state.daemon!.pid;
      const activePid = state.active!.pid;
      assert.ok([daemonPid, activePid, candidate.pid].every(alive), 'all running before stop');
      await runtime.stop();
      for (const pid of [daemonPid, activePid, candidate.pid]) assert.equal(alive(pid), false, `pid ${pid} still runs`);
      await assert.rejects(get(url));
      assert.equal(await connectStageRuntime(root, 'blue', { origins: [], start: false }), undefined);
      const offline = await readStageRuntimeStatus(root, 'blue');
      assert.equal(offline.running, false);
      assert.equal(offline.lastActive?.commit, 'commit-v2');
    });

    it('starts again on the same stable port after a stop', async () => {
      const port = Number(new URL(url).port);
      runtime = await connect('blue');
      assert.equal((await runtime.status()).proxyPort, port);
      assert.equal((await get(url)).status, 503, 'a stopped stage does not resume its old version');
      await runtime.stop();
    });
  });

  it('keeps serving after the process that started it is killed with SIGKILL, and a new client reattaches', async () => {
    const ts = __filename.endsWith('.ts');
    const starter = path.join(__dirname, '../../fixtures/apps', ts ? 'runtime-starter.ts' : 'runtime-starter.js');
    const child: ChildProcess = spawn(process.execPath, [...(ts ? ['--require', 'tsx/cjs'] : []), starter, root, 'green', APPS, 'g1'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid) pids.set(child.pid, await startTicksOf(child.pid));
    let stderr = '';
    child.stderr!.on('data', d => (stderr += d));
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', d => {
        out += d;
        if (out.includes('\n')) resolve(out.split('\n')[0]);
      });
      child.once('exit', code => reject(new Error(`starter exited ${code}: ${stderr}`)));
    });
    const { url, pid } = JSON.parse(line) as { url: string; pid: number };
    const exited = new Promise(resolve => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    assert.equal(await version(url), 'g1');
    const runtime = await connect('green', false);
    const status = await runtime.status();
    assert.equal(status.url, url);
    assert.equal(status.active?.pid, pid);
    await runtime.stop();
    assert.equal(alive(pid), false);
  });

  it('replaces a runtime that died: the next start ends its orphaned app and resumes the stage on the same URL', async () => {
    const first = await connect('phoenix');
    await first.startCandidate(appVersion('p1'));
    await first.promoteCandidate();
    const { url } = await first.status();
    const state = (await readAllRuntimeStates(root)).find(s => s.stage === 'phoenix')!;
    process.kill(state.daemon!.pid, 'SIGKILL');
    await until('the daemon dead', () => !alive(state.daemon!.pid) || undefined);
    await assert.rejects(get(url!), 'nothing serves while no runtime runs');
    assert.equal(await connectStageRuntime(root, 'phoenix', { origins: [], start: false }), undefined);

    const second = await connect('phoenix');
    assert.equal((await second.status()).url, url, 'the same stable URL');
    await until('the version resumed', async () => ((await get(url!).catch(() => undefined))?.status === 200 ? true : undefined));
    assert.equal(await version(url!), 'p1');
    assert.equal(alive(state.active!.pid), false, 'the orphan of the dead runtime was ended');
    assert.notEqual((await second.status()).active?.pid, state.active!.pid);
    await second.stop();
  });

  it('works with a state folder too deep for a socket beside the state (socket under /tmp)', async () => {
    // The state folder sits where STAGECRAFT_HOME says; the daemon inherits the variable.
    const saved = process.env.STAGECRAFT_HOME;
    process.env.STAGECRAFT_HOME = path.join(root, 'a-rather-long-folder-name-for-a-state-home', 'x'.repeat(60));
    try {
      const deep = path.join(root, 'deep');
      assert.ok(runtimePaths(deep, 'deep').socket.startsWith('/tmp/stagecraft-'));
      const runtime = await connectStageRuntime(deep, 'deep', { origins: [], start: true });
      assert.ok(runtime);
      assert.equal((await runtime.status()).running, true);
      await runtime.stop();
      assert.equal(await connectStageRuntime(deep, 'deep', { origins: [], start: false }), undefined);
    } finally {
      process.env.STAGECRAFT_HOME = saved;
    }
  });

  // On the host's network (the way without network namespaces: macOS, Windows, STAGECRAFT_NETNS=off);
  // with namespaces a fixed port conflicts with nothing (test/unit/e2e/netns.e2e.test.ts).
  describe('an app that ignores PORT and binds a fixed port, on the host network', () => {
    let fixed: number;
    const setting = process.env.STAGECRAFT_NETNS;
    before(async () => {
      fixed = await freePort();
      process.env.STAGECRAFT_NETNS = 'off';
    });
    after(() => {
      if (setting === undefined) delete process.env.STAGECRAFT_NETNS;
      else process.env.STAGECRAFT_NETNS = setting;
    });

    it('runs it, then names the stage holding the port when another stage wants it', async () => {
      const a = await connect('fixa');
      const v1 = await a.startCandidate(appVersion('f1', { APP_FIXED_PORT: String(fixed) }));
      assert.equal(v1.port, fixed, 'the port it really listens on');
      await a.promoteCandidate();
      assert.equal(await version((await a.status()).url!), 'f1');

      const b = await connect('fixb');
      await assert.rejects(b.startCandidate(appVersion('f1', { APP_FIXED_PORT: String(fixed) })), (err: Error) => {
        assert.match(err.message, new RegExp(`port ${fixed}`));
        assert.match(err.message, /stage "fixa"/);
        return true;
      });
      await assert.rejects(b.startCandidate(appVersion('f1', { APP_FIXED_PORT: String(fixed) }, fixed)), /stage "fixa"/, 'declared fixedPort: refused before starting');
      assert.equal(await version((await a.status()).url!), 'f1', 'stage fixa was not disturbed');
      await b.stop();
    });

    it('redeploys its own stage stop-then-start, and says it is not blue/green', async () => {
      const a = await connect('fixa', false);
      const v2 = await a.startCandidate(appVersion('f2', { APP_FIXED_PORT: String(fixed) }));
      assert.equal(v2.mode, 'stop-then-start');
      assert.equal(v2.port, fixed);
      await a.promoteCandidate();
      assert.equal(await version((await a.status()).url!), 'f2');
      const log = await fs.readFile(runtimePaths(root, 'fixa').appLog, 'utf8');
      assert.match(log, /NOT blue\/green/);
    });

    it('brings the old version back when a stop-then-start candidate fails', async () => {
      const a = await connect('fixa', false);
      await assert.rejects(a.startCandidate(appVersion('f3', { APP_FIXED_PORT: String(fixed), APP_CRASH_AT_START: '1' }, fixed)), (err: Error) => {
        assert.match(err.message, /not blue\/green/);
        assert.match(err.message, /previous version was started again/);
        return true;
      });
      assert.equal(await version((await a.status()).url!), 'f2');
      await a.stop();
    });
  });
});
