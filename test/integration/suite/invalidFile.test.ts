import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { StagecraftApi } from '../../../src/extension';
import type { StagecraftNode } from '../../../src/ui/tree';
import { childrenOf, closeAllEditors, nextReportedError, readText, restoreText, roots, shown, stackFileOf, stagecraftApi, waitFor, waitForRoot, waitForStages, workspaceFolder } from '../support';
import { screenshot } from '../support/screenshot';

/** 1-based number of the first line of `text` that contains `needle`. */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex(l => l.includes(needle));
  assert.ok(index >= 0, `"${needle}" is in the file`);
  return index + 1;
}

function errorNodeOf(api: StagecraftApi, folder: string): Promise<StagecraftNode & { kind: 'error' }> {
  return waitFor(`an error node for folder ${folder}`, async () =>
    (await roots(api)).find((n): n is StagecraftNode & { kind: 'error' } => n.kind === 'error' && n.folder.folder.name === folder),
  );
}

function stagecraftDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter(d => d.source === 'stagecraft');
}

describe('an invalid stagecraft.yaml', () => {
  afterEach(closeAllEditors);

  it('gives an error node naming line, column and field, and an error diagnostic on that line', async () => {
    const api = await stagecraftApi();
    const uri = stackFileOf(workspaceFolder('invalid'));
    const line = lineOf(await readText(uri), 'provder:');

    const node = await errorNodeOf(api, 'invalid');
    assert.equal(node.kind, 'error');
    assert.match(node.message, new RegExp(`stagecraft\\.yaml:${line}:5: stages\\[1\\]\\.provder: unknown key "provder"; did you mean "provider"\\?`));
    const item = shown(api, node);
    assert.equal(item.label, 'invalid: stagecraft.yaml has problems');
    assert.equal(item.description, node.message);
    assert.equal(item.contextValue, 'stagecraft.error');
    assert.equal(item.icon, 'error');

    const [diagnostic, ...more] = await waitFor('a diagnostic for invalid/stagecraft.yaml', () => {
      const found = stagecraftDiagnostics(uri);
      return found.length > 0 ? found : undefined;
    });
    assert.equal(more.length, 0, 'exactly one problem');
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(diagnostic.range.start.line, line - 1);
    assert.equal(diagnostic.range.start.character, 4);
    assert.match(diagnostic.message, /^stages\[1\]\.provder: unknown key "provder"; did you mean "provider"\?/);
  });

  it('Show Problems opens the file at the problem', async () => {
    const api = await stagecraftApi();
    const uri = stackFileOf(workspaceFolder('invalid'));
    const line = lineOf(await readText(uri), 'provder:');
    await vscode.commands.executeCommand('stagecraft.showProblems', await errorNodeOf(api, 'invalid'));
    const editor = await waitFor('an editor on invalid/stagecraft.yaml', () =>
      vscode.window.activeTextEditor?.document.uri.toString() === uri.toString() ? vscode.window.activeTextEditor : undefined,
    );
    assert.equal(editor.selection.active.line, line - 1);
  });

  describe('when a valid file is broken and fixed again on disk', () => {
    let uri: vscode.Uri;
    let original: string;

    before(async () => {
      uri = stackFileOf(workspaceFolder('basic'));
      original = await readText(uri);
    });

    after(async () => {
      await restoreText(uri, original);
      await waitForStages(await stagecraftApi(), 'stack/shop-api', ['dev', 'test', 'prod']);
    });

    it('18-2: a typo keeps the last good stages, marked stale, under an error row whose Show Problems opens the problem; fixing it clears both', async () => {
      const api = await stagecraftApi();
      await waitForRoot(api, 'stack/shop-api');
      const broken = original.replace('port: 3000', 'port: three-thousand');
      assert.notEqual(broken, original);
      await fs.writeFile(uri.fsPath, broken);

      const line = lineOf(broken, 'port: three-thousand');
      const diagnostic = await waitFor('a diagnostic on the port line', () => stagecraftDiagnostics(uri).find(d => d.range.start.line === line - 1));
      assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Error);
      const stack = await waitFor('shop-api shown stale', async () => {
        const node = (await roots(api)).find(n => n.id === 'stack/shop-api');
        return node?.kind === 'stack' && node.stale ? node : undefined;
      });
      assert.ok(!(await roots(api)).some(n => n.kind === 'error' && n.folder.folder.name === 'basic'), 'no error row in place of the stack');
      const item = shown(api, stack);
      assert.match(item.description, /^stale: stagecraft\.yaml has errors · 3 stages/);
      assert.match(item.tooltip, /stale: stagecraft\.yaml has errors/);

      const [error, ...stages] = await childrenOf(api, stack);
      assert.equal(error.kind, 'error', 'the error row comes first');
      assert.match((error as StagecraftNode & { kind: 'error' }).message, new RegExp(`stagecraft\\.yaml:${line}:\\d+: service\\.port: `));
      const errorItem = shown(api, error);
      assert.equal(errorItem.contextValue, 'stagecraft.error', 'the row has the inline Show Problems action');
      assert.deepEqual(stages.map(s => s.id), ['stack/shop-api/stage/dev', 'stack/shop-api/stage/test', 'stack/shop-api/stage/prod'], 'every stage stays');
      await screenshot('18-2-typo-keeps-tree', 'stale: stagecraft.yaml has errors');

      // What is shown is the last valid file: deploying from it is refused until the file is fixed.
      const refused = nextReportedError(api, 'stagecraft.deployStage');
      await vscode.commands.executeCommand('stagecraft.deployStage', stages[0]);
      assert.match((await refused).message, /basic\/stagecraft\.yaml has errors: fix them before deploying/);

      await vscode.commands.executeCommand('stagecraft.showProblems', error);
      const editor = await waitFor('an editor on basic/stagecraft.yaml at the problem', () =>
        vscode.window.activeTextEditor?.document.uri.toString() === uri.toString() ? vscode.window.activeTextEditor : undefined,
      );
      assert.equal(editor.selection.active.line, line - 1);

      await fs.writeFile(uri.fsPath, original);
      await waitFor('shop-api fresh again', async () => {
        const node = (await roots(api)).find(n => n.id === 'stack/shop-api');
        return node?.kind === 'stack' && !node.stale ? node : undefined;
      });
      await waitForStages(api, 'stack/shop-api', ['dev', 'test', 'prod']);
      // What stays are warnings (drift between stages), never errors.
      await waitFor('the errors of basic/stagecraft.yaml to clear', () => stagecraftDiagnostics(uri).every(d => d.severity !== vscode.DiagnosticSeverity.Error));
    });
  });
});
