import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrateLegacyState } from '../../../src/core/stateMigration';
import { repositoryKey, stateDir } from '../../../src/core/workspace';
import { TempDirs } from './support/tempDir';

describe('stateMigration: an old .stagecraft/ moves out of the repository once', () => {
  const temp = new TempDirs();
  after(() => temp.cleanup());

  function oldRepo(): string {
    const repo = temp.make();
    mkdirSync(join(repo, '.stagecraft', 'runs', 'r1'), { recursive: true });
    writeFileSync(join(repo, '.stagecraft', 'runs', 'r1', 'run.json'), '{"id":"r1"}');
    mkdirSync(join(repo, '.stagecraft', 'stages'));
    writeFileSync(join(repo, '.stagecraft', 'stages', 'dev.json'), '{"kind":"healthy"}');
    return repo;
  }

  it('moves every entry to the state folder, says so, and uses it from then on', async () => {
    const repo = oldRepo();
    const home = temp.make();
    const said: string[] = [];
    const result = await migrateLegacyState(repo, { env: { STAGECRAFT_HOME: home }, inUse: async () => [], say: l => said.push(l) });
    const to = join(home, repositoryKey(repo));
    assert.deepEqual(result, { outcome: 'moved', from: join(repo, '.stagecraft'), to });
    assert.equal(existsSync(join(repo, '.stagecraft')), false, 'nothing left in the repository');
    assert.equal(readFileSync(join(to, 'runs', 'r1', 'run.json'), 'utf8'), '{"id":"r1"}');
    assert.equal(readFileSync(join(to, 'stages', 'dev.json'), 'utf8'), '{"kind":"healthy"}');
    assert.equal(said.length, 1);
    assert.match(said[0], /^Moved Stagecraft's state from .*\.stagecraft to /);
    assert.equal(stateDir(repo, { env: { STAGECRAFT_HOME: home } }), to);
    // Once: a second call finds nothing to move and says nothing.
    assert.deepEqual(await migrateLegacyState(repo, { env: { STAGECRAFT_HOME: home }, inUse: async () => [], say: l => said.push(l) }), { outcome: 'none' });
    assert.equal(said.length, 1);
  });

  it('waits while a stage still runs from the old folder, which stays in use meanwhile', async () => {
    const repo = oldRepo();
    const home = temp.make();
    const said: string[] = [];
    const result = await migrateLegacyState(repo, { env: { STAGECRAFT_HOME: home }, inUse: async () => ['stage dev'], say: l => said.push(l) });
    assert.equal(result.outcome, 'postponed');
    assert.ok(existsSync(join(repo, '.stagecraft', 'stages', 'dev.json')), 'the running stage keeps its files');
    assert.equal(stateDir(repo, { env: { STAGECRAFT_HOME: home } }), join(repo, '.stagecraft'));
    assert.match(said[0], /still running: stage dev/);
  });

  it('keeps both when the state folder already holds an entry of the same name', async () => {
    const repo = oldRepo();
    const home = temp.make();
    const to = join(home, repositoryKey(repo));
    mkdirSync(join(to, 'stages'), { recursive: true });
    writeFileSync(join(to, 'stages', 'dev.json'), '{"kind":"newer"}');
    await migrateLegacyState(repo, { env: { STAGECRAFT_HOME: home }, inUse: async () => [], say: () => undefined });
    assert.equal(readFileSync(join(to, 'stages', 'dev.json'), 'utf8'), '{"kind":"newer"}');
    assert.equal(readFileSync(join(to, 'from-repository', 'stages', 'dev.json'), 'utf8'), '{"kind":"healthy"}');
  });
});
