import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { readText, restoreText, roots, stackFileOf, stagecraftApi, stagecraftExtension, waitForStages, workspaceFolder } from '../support';
import { screenshot } from '../support/screenshot';

/** The common case: one folder opened (no .code-workspace), holding the basic fixture. */
describe('a single folder with stagecraft.yaml', () => {
  it('activates the extension on its own', () => {
    assert.equal(vscode.workspace.workspaceFile, undefined, 'a folder, not a workspace file');
    assert.equal(stagecraftExtension().isActive, true);
  });

  it('shows exactly the folder\'s stack at the root of the tree', async () => {
    const api = await stagecraftApi();
    await waitForStages(api, 'stack/shop-api', ['dev', 'test', 'prod']);
    assert.deepEqual((await roots(api)).map(n => n.id), ['stack/shop-api']);
  });

  it('Add Stage without naming the stack uses the only one', async () => {
    const api = await stagecraftApi();
    const file = stackFileOf(workspaceFolder('basic'));
    const original = await readText(file);
    try {
      await vscode.commands.executeCommand('stagecraft.addStage', { stage: { name: 'qa', provider: 'local', after: 'dev' } });
      await waitForStages(api, 'stack/shop-api', ['dev', 'qa', 'test', 'prod']);
      await screenshot('tree-after-add-stage', 'qa');
    } finally {
      await restoreText(file, original);
    }
    await waitForStages(api, 'stack/shop-api', ['dev', 'test', 'prod']);
  });
});
