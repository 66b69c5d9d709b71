import * as assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { destroyStageDatabase, ensureStageDatabase } from '../../src/local/database';
import { stateDir } from '../../src/core/workspace';
import { readStageSecrets, storeStageSecret } from '../../src/local/stageSecrets';

/**
 * Issue 13, "running as root": `stagecraft env set dev X --secret` before the first run used to
 * create the state folder 0700, and the next run's database (which runs as the postgres user) could
 * not enter it. Stagecraft owns the folders it creates: the postgres user may pass through them,
 * while the secrets stay 0600 in a 0700 folder. Only meaningful as root (CI containers).
 */
/** Obviously fake, and assembled at run time so secret scanners of this repository see no literal. */
const FAKE = ['fake', 'stripe', 'like', 'value', String(process.pid)].join('-');

describe('faults: as root, a secret stored before the first run does not lock the database out', function () {
  this.timeout(120_000);
  const saved = process.env.STAGECRAFT_HOME;
  let base: string;
  let repo: string;

  before(function () {
    if (process.getuid?.() !== 0) this.skip();
    base = mkdtempSync(join(tmpdir(), 'sc-root-modes-'));
    chmodSync(base, 0o711); // the test's own temp folder; everything below is Stagecraft's to make
    repo = join(base, 'repo');
    mkdirSync(repo, { mode: 0o755 });
    process.env.STAGECRAFT_HOME = join(base, 'state-home');
  });

  after(async function () {
    if (!base) return;
    await destroyStageDatabase(repo, 'dev').catch(() => undefined);
    process.env.STAGECRAFT_HOME = saved;
    rmSync(base, { recursive: true, force: true });
  });

  it('env set --secret first, then the database starts as the postgres user; the secrets stay private', async () => {
    await storeStageSecret(repo, 'dev', 'STRIPE', FAKE);
    const dir = stateDir(repo);
    const secret = await ensureStageDatabase(repo, 'dev');
    assert.ok(secret.port > 0);
    for (const folder of [join(base, 'state-home'), dir]) assert.equal(statSync(folder).mode & 0o001, 0o001, `${folder}: others may pass through`);
    assert.equal(statSync(join(dir, 'secrets')).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, 'secrets', 'dev.env.json')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'secrets', 'dev.json')).mode & 0o777, 0o600);
    assert.deepEqual(await readStageSecrets(repo, 'dev'), { STRIPE: FAKE });
  });
});
