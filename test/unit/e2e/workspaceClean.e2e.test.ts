import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from '../../../src/core/workspace';
import { CLI } from '../cli/support/cli';
import { cliOk, CLI_ENV, ensureCliBuilt, stageStatus, stageUrl } from './support/cli';
import { destroyStages } from './support/cleanup';
import { request } from './support/http';
import { SampleRepo } from './support/sampleRepo';

/**
 * A new user's repository: stagecraft.yaml written by hand (no `init`, no Create Stack), no
 * .gitignore at all. A run with a database stage and a key moved to a stage secret must leave
 * the work tree exactly as git knows it, with neither the database password nor the secret
 * anywhere in it or in its history. The stage refuses what its origins forbid, whatever the request.
 */
const STACK_YAML = `stack: clean
branchModel: trunk
service:
  dockerfile: Dockerfile
  port: 8080
  healthCheck: /health
  migrate: npm run migrate
stages:
  - name: dev
    provider: local
    database: postgres
    origins:
      - https://app.example.com
`;

describe('e2e: nothing of Stagecraft in the repository; origins enforced on every request', function () {
  this.timeout(300_000);
  let repo: SampleRepo;
  const secretValue = ['sk', 'live', 'e2e', String(process.pid), 'Zq8x'].join('_');
  let password: string;
  let url: string;

  before(async function () {
    ensureCliBuilt();
    repo = new SampleRepo({ stackYaml: STACK_YAML, keepTests: ['config.test.js'], gitignore: false });
    // The key the user had in code moves to a stage secret: the value on stdin, never on the command line.
    const set = spawnSync(process.execPath, [CLI, 'env', 'set', 'dev', 'STRIPE', '--secret', '--no-apply'], { cwd: repo.dir, input: secretValue, encoding: 'utf8', env: { ...process.env, ...CLI_ENV } });
    assert.equal(set.status, 0, set.stderr);
    repo.commit('Refer to the Stripe key as a stage secret');
    await cliOk(['pipeline', 'run', '--auto-approve'], repo.dir);
    url = await stageUrl(repo.dir, 'dev');
    password = (JSON.parse((await cliOk(['db', 'secret', 'dev', '--reveal', '--json'], repo.dir)).stdout) as { password: string }).password;
  });

  after(async function () {
    if (!repo) return;
    const problems = await destroyStages(repo.dir, ['dev']);
    if (problems.length) console.log(`    cleanup: ${problems.join('\n    cleanup: ')}`);
    repo.remove();
  });

  it('the run served dev from a database, and the state lives outside the repository', async () => {
    assert.equal((await stageStatus(repo.dir)).dev.status, 'healthy');
    assert.equal((await request(`${url}/items`)).status, 200);
    assert.ok(password.length >= 16);
    assert.ok(!stateDir(repo.dir).startsWith(repo.dir));
  });

  it('git status is empty after the run', () => {
    assert.equal(repo.git('status', '--porcelain', '--untracked-files=all', '--ignored'), '');
  });

  it('neither the database password nor the secret is anywhere in the work tree or in git log -p', () => {
    const needles = [Buffer.from(password), Buffer.from(secretValue)];
    const hits: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const file = join(dir, name);
        const st = statSync(file);
        if (st.isDirectory()) walk(file);
        else if (st.isFile()) {
          const bytes = readFileSync(file);
          for (const n of needles) if (bytes.includes(n)) hits.push(file);
        }
      }
    };
    walk(repo.dir);
    assert.deepEqual(hits, []);
    const history = repo.git('log', '-p', '--all');
    assert.ok(history.includes('STRIPE: { secret: STRIPE }'), 'the reference is committed');
    assert.ok(!history.includes(password) && !history.includes(secretValue), 'no value in history');
  });

  async function count(): Promise<number> {
    const r = await request(`${url}/items`);
    assert.equal(r.status, 200, r.body);
    return (JSON.parse(r.body) as { items: unknown[] }).items.length;
  }

  it('a refused origin cannot write: POST text/plain and JSON get 403 and no row is added', async () => {
    const before = await count();
    const evil = 'https://evil.example.com';
    const plain = await request(`${url}/items`, { method: 'POST', headers: { Origin: evil, 'Content-Type': 'text/plain' }, body: JSON.stringify({ name: 'from a form' }) });
    assert.equal(plain.status, 403);
    assert.match(plain.body, /does not allow requests from origin https:\/\/evil\.example\.com.*not forwarded/);
    const json = await request(`${url}/items`, { method: 'POST', headers: { Origin: evil, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'from fetch' }) });
    assert.equal(json.status, 403);
    assert.equal(await count(), before, 'nothing written');
  });

  it('the allowed origin and a request without Origin pass and write', async () => {
    const before = await count();
    const allowed = await request(`${url}/items`, { method: 'POST', headers: { Origin: 'https://app.example.com', 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'from the app' }) });
    assert.equal(allowed.status, 201, allowed.body);
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.example.com');
    const plain = await request(`${url}/items`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'from curl' }) });
    assert.equal(plain.status, 201, plain.body);
    assert.equal(await count(), before + 2);
  });

  it('the access log records the Origin of refused requests', () => {
    const log = readFileSync(join(stateDir(repo.dir), 'logs', 'dev', 'access.log'), 'utf8');
    assert.match(log, /"POST \/items HTTP\/1\.1" 403 \d+ "-" "[^"]*" "https:\/\/evil\.example\.com"/);
  });
});
