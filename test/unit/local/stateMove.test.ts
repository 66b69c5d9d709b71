import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { moveRepositoryState } from '../../../src/core/stateMigration';
import { repositoryKey } from '../../../src/core/workspace';
import { SecretStore, type Keyring } from '../../../src/local/secretStore';
import { prepareLocalStateMove } from '../../../src/local/stateMove';

function memoryKeyring(): Keyring & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return { entries, get: async a => entries.get(a), set: async (a, v) => void entries.set(a, v), delete: async a => void entries.delete(a) };
}

describe('local/stateMove: secrets in the OS credential store follow a moved state folder', () => {
  let base: string;
  before(() => (base = mkdtempSync(path.join(tmpdir(), 'sc-local-move-'))));
  after(() => rmSync(base, { recursive: true, force: true }));

  it('copies each entry to its account under the new folder, and forgets the old once the folder moved', async () => {
    const repo = path.join(base, 'repo');
    mkdirSync(repo);
    const [oldHome, newHome] = [path.join(base, 'old'), path.join(base, 'new')];
    const from = path.join(oldHome, repositoryKey(repo));
    const to = path.join(newHome, repositoryKey(repo));
    // dev has run (a runtime folder); qa only has a secret, known from stagecraft.yaml.
    mkdirSync(path.join(from, 'local', 'dev'), { recursive: true });
    writeFileSync(path.join(from, 'local', 'dev', 'state.json'), '{}');
    const ring = memoryKeyring();
    ring.entries.set(path.join(from, 'secrets', 'dev.env.json'), '{"STRIPE":"x"}');
    ring.entries.set(path.join(from, 'secrets', 'dev.json'), '{"password":"p"}');
    ring.entries.set(path.join(from, 'secrets', 'qa.env.json'), '{"K":"q"}');
    ring.entries.set('/elsewhere/secrets/dev.json', 'another repository: untouched');
    const store = new SecretStore({ keyring: async () => ring, notice: () => assert.fail('no notice') });

    const result = await moveRepositoryState(repo, { fromHome: oldHome, toHome: newHome, inUse: async () => [], prepare: async (f, t) => [await prepareLocalStateMove(f, t, ['qa'], store)] });
    assert.equal(result.outcome, 'moved');
    assert.deepEqual([...ring.entries.keys()].sort(), ['/elsewhere/secrets/dev.json', path.join(to, 'secrets', 'dev.env.json'), path.join(to, 'secrets', 'dev.json'), path.join(to, 'secrets', 'qa.env.json')].sort());
    assert.equal(await store.read(path.join(to, 'secrets', 'qa.env.json')), '{"K":"q"}');
  });

  it('undo forgets the copies and keeps the originals', async () => {
    const ring = memoryKeyring();
    const from = path.join(base, 'u-from');
    const to = path.join(base, 'u-to');
    ring.entries.set(path.join(from, 'secrets', 'dev.json'), 'pw');
    const handle = await prepareLocalStateMove(from, to, ['dev'], new SecretStore({ keyring: async () => ring }));
    assert.equal(ring.entries.get(path.join(to, 'secrets', 'dev.json')), 'pw');
    await handle.undo();
    assert.deepEqual([...ring.entries.keys()], [path.join(from, 'secrets', 'dev.json')]);
  });
});
