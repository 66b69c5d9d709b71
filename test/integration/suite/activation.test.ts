import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { stagecraftApi, stagecraftExtension } from '../support';

describe('activation', () => {
  it('activates stagecraft.stagecraft because the workspace contains a stagecraft.yaml', () => {
    // VS Code runs workspaceContains activations before it loads the tests, so no test has touched it yet.
    assert.equal(stagecraftExtension().isActive, true);
  });

  it('exports the StagecraftApi from activate()', async () => {
    const before = Date.now();
    const api = await stagecraftApi();
    assert.equal(typeof api.activatedAt, 'number');
    assert.ok(api.activatedAt <= before && api.activatedAt > before - 10 * 60_000, `activatedAt ${api.activatedAt} is not a recent time`);
    assert.equal(typeof api.firstTreeItems?.then, 'function', 'firstTreeItems is a promise');
    assert.equal(typeof api.tree.getChildren, 'function');
    assert.equal(typeof api.tree.getTreeItem, 'function');
    assert.equal(typeof api.workspace.all, 'function');
    assert.equal(typeof api.onDidReportError, 'function');
    // A second activate() hands back the same object: the extension activated once.
    assert.equal(await stagecraftExtension().activate(), api);
  });

  it('registers every command that package.json contributes', async () => {
    const contributed: Array<{ command: string }> = stagecraftExtension().packageJSON.contributes.commands;
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.ok(contributed.length >= 14, `only ${contributed.length} commands contributed`);
    assert.deepEqual(contributed.map(c => c.command).filter(c => !registered.has(c)), []);
  });
});
