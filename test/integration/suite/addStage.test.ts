import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { parseStackFile } from '../../../src/core/config/load';
import { nextReportedError, readText, restoreText, shown, stackFileOf, stagecraftApi, waitForStages, workspaceFolder } from '../support';

/** True when every line of `original` appears in `edited`, in the same order: nothing was lost or moved. */
function keepsEveryLine(original: string, edited: string): boolean {
  const lines = edited.split('\n');
  let at = 0;
  for (const line of original.split('\n')) {
    while (at < lines.length && lines[at] !== line) at++;
    if (at === lines.length) return false;
    at++;
  }
  return true;
}

describe('Add Stage', () => {
  let file: vscode.Uri;
  let original: string;

  before(async () => {
    file = stackFileOf(workspaceFolder('basic'));
    original = await readText(file);
  });

  after(async () => {
    await restoreText(file, original);
    await waitForStages(await stagecraftApi(), 'stack/shop-api', ['dev', 'test', 'prod']);
  });

  it('adds qa after dev: the file keeps every comment and line, and the tree shows qa in place', async () => {
    const api = await stagecraftApi();
    await vscode.commands.executeCommand('stagecraft.addStage', { stackName: 'shop-api', stage: { name: 'qa', provider: 'local', after: 'dev' } });

    const text = await readText(file);
    assert.ok(keepsEveryLine(original, text), `every original line is still there, in order:\n${text}`);
    const added = text.split('\n').length - original.split('\n').length;
    assert.ok(added > 0 && added <= 6, `only the new stage's lines were added (${added})`);
    const parsed = parseStackFile(text, file.fsPath);
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.stack?.stages.map(s => s.name), ['dev', 'qa', 'test', 'prod']);
    assert.equal(parsed.stack?.stages[1].provider, 'local');

    const stages = await waitForStages(api, 'stack/shop-api', ['dev', 'qa', 'test', 'prod']);
    assert.equal(shown(api, stages[1]).description, 'not deployed');
    assert.match(shown(api, stages[1]).tooltip, /^\*\*qa\*\* \(local\)/);
  });

  it('refuses a stage name the stack already has, leaving the file as it was', async () => {
    const api = await stagecraftApi();
    const before = await readText(file);
    const reported = nextReportedError(api, 'stagecraft.addStage');
    await vscode.commands.executeCommand('stagecraft.addStage', { stackName: 'shop-api', stage: { name: 'dev', provider: 'local' } });
    const error = await reported;
    assert.equal(error.kind, 'input');
    assert.match(error.message, /already has a stage named "dev"/);
    assert.equal(await readText(file), before);
  });
});
