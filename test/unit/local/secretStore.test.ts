import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StagecraftError } from '../../../src/core/errors';
import { stateDir } from '../../../src/core/workspace';
import { SecretStore, type Keyring } from '../../../src/local/secretStore';
import { readStageSecrets, storeStageSecret } from '../../../src/local/stageSecrets';

/** A credential store kept in memory: the SDK boundary, for machines where the OS one is reachable. */
function memoryKeyring(): Keyring & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    get: async a => entries.get(a),
    set: async (a, v) => void entries.set(a, v),
    delete: async a => void entries.delete(a),
  };
}

describe('local/secretStore: OS credential store, else a 0600 file outside the repository', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sc-secrets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a credential store that refuses: falls back to a 0600 file in a 0700 folder, with one notice', async () => {
    const notices: string[] = [];
    const denied = () => Promise.reject(new Error("Couldn't access platform storage: AccessDenied"));
    const refusing: Keyring = { get: denied, set: denied, delete: denied };
    const store = new SecretStore({ keyring: async () => refusing, notice: m => notices.push(m) });
    const file = path.join(dir, 'secrets', 'dev.env.json');
    await store.write(file, 'first');
    await store.write(path.join(dir, 'secrets', 'test.env.json'), 'second');
    assert.equal(await store.read(file), 'first');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(path.dirname(file)).mode & 0o777, 0o700);
    assert.equal(notices.length, 1, 'one notice, however many secrets');
    assert.match(notices[0], /OS credential store is not available \(Couldn't access platform storage: AccessDenied\); Stagecraft keeps secrets in .*secrets/);
    assert.deepEqual(readdirSync(path.dirname(file)).sort(), ['dev.env.json', 'test.env.json'], 'no temporary file left');
  });

  it('an absent credential store (the module cannot load) falls back the same way', async () => {
    const notices: string[] = [];
    const store = new SecretStore({ keyring: () => Promise.reject(new Error('Cannot find module @napi-rs/keyring-linux-arm')), notice: m => notices.push(m) });
    const file = path.join(dir, 'secrets', 'db.json');
    await store.write(file, 'pw');
    assert.equal(readFileSync(file, 'utf8'), 'pw');
    assert.equal(notices.length, 1);
  });

  it('a state folder that cannot be written: an error naming the folder and how to move it, no half-written secret', async () => {
    writeFileSync(path.join(dir, 'blocked'), 'a file, not a folder');
    const store = new SecretStore({ keyring: async () => undefined });
    await assert.rejects(store.write(path.join(dir, 'blocked', 'secrets', 'dev.json'), 'value'), (err: unknown) => {
      assert.ok(err instanceof StagecraftError);
      assert.match(err.message, /cannot write its state folder .*blocked/);
      assert.match(err.hint ?? '', /STAGECRAFT_HOME/);
      return true;
    });
  });

  it('a working credential store holds the value; no file is written, and an older file copy is removed', async () => {
    const ring = memoryKeyring();
    const store = new SecretStore({ keyring: async () => ring, notice: () => assert.fail('no notice while the store works') });
    const file = path.join(dir, 'secrets', 'dev.json');
    mkdirSync(path.dirname(file));
    writeFileSync(file, 'old copy from before the store was used', { mode: 0o600 });
    assert.equal(await store.read(file), 'old copy from before the store was used', 'a value only in the file is still found');
    await store.write(file, 'new');
    assert.equal(ring.entries.get(file), 'new');
    assert.equal(existsSync(file), false, 'the file copy is gone');
    assert.equal(await store.read(file), 'new');
    await store.delete(file);
    assert.equal(await store.read(file), undefined);
  });

  it('the real OS store on this machine: either it keeps the value or the file fallback does, never the repository', async () => {
    const saved = process.env.STAGECRAFT_KEYRING;
    delete process.env.STAGECRAFT_KEYRING;
    const notices: string[] = [];
    try {
      const store = new SecretStore({ notice: m => notices.push(m) });
      const file = path.join(dir, 'secrets', `probe-${process.pid}.json`);
      await store.write(file, 'value');
      assert.equal(await store.read(file), 'value');
      assert.equal(existsSync(file), notices.length === 1, notices.length ? 'fell back: the file holds it' : 'the OS store holds it, no file');
      await store.delete(file);
      assert.equal(await store.read(file), undefined);
    } finally {
      if (saved !== undefined) process.env.STAGECRAFT_KEYRING = saved;
    }
  });

  it("stage secrets live in the state folder, never under the repository", async () => {
    const repo = mkdtempSync(path.join(os.tmpdir(), 'sc-secret-repo-'));
    try {
      const value = ['moved', 'secret', String(process.pid)].join('-');
      await storeStageSecret(repo, 'dev', 'STRIPE', value);
      assert.deepEqual(readdirSync(repo), [], 'nothing written in the repository');
      assert.deepEqual(await readStageSecrets(repo, 'dev'), { STRIPE: value });
      assert.ok(!stateDir(repo).startsWith(repo));
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
