import * as assert from 'node:assert/strict';
import { memoryModule } from '../../unit/providers/memory/module';
import { childrenOf, readText, restoreText, roots, shown, stackFileOf, stagecraftApi, waitFor, waitForStages, workspaceFolder } from '../support';

/**
 * A provider module from a test folder, registered through the extension's API: the tree shows
 * its stages with its own words, and disposing the registration takes its `provider:` away again.
 */
describe('a provider registered through the extension API', () => {
  const file = () => stackFileOf(workspaceFolder('basic'));
  let original: string | undefined;

  after(async () => {
    await restoreText(file(), original);
  });

  it('appears in the tree while registered; its stages are an error in the file once it is disposed', async () => {
    const api = await stagecraftApi();
    original = await readText(file());
    const registration = api.providers.register(memoryModule());
    assert.ok(api.providers.names().includes('memory'));
    await restoreText(file(), `${original.trimEnd()}\n  - name: shelf\n    provider: memory\n    shelf: z\n`);
    const stages = await waitForStages(api, 'stack/shop-api', ['dev', 'test', 'prod', 'shelf'], 30_000);
    assert.equal(shown(api, stages[3]).description, 'not deployed');
    assert.match(shown(api, stages[3]).tooltip, /^\*\*shelf\*\* \(memory z\)/);

    registration.dispose();
    assert.ok(!api.providers.names().includes('memory'));
    // The file is invalid now: the stack keeps its last good stages, stale, under an error row naming the provider.
    await waitFor('the stack to read as invalid without the memory provider', async () => {
      const stack = (await roots(api)).find(n => n.kind === 'stack' && n.folder.folder.name === 'basic');
      const first = stack && stack.kind === 'stack' && stack.stale ? (await childrenOf(api, stack))[0] : undefined;
      return first?.kind === 'error' && /memory/.test(first.message) ? true : undefined;
    }, { timeoutMs: 30_000 });
  });
});
