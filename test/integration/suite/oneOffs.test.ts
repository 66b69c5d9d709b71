import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readStageSecrets, deleteStageSecret } from '../../../src/local/stageSecrets';
import type { LogTerminal } from '../../../src/ui/logs';
import { childrenOf, closeAllEditors, readText, restoreText, stackFileOf, stagecraftApi, waitFor, waitForRoot, workspaceFolder } from '../support';
import { onPage, pageActionsServed } from './panelsPage';

/** A fake AWS key id assembled at run time, so that this file holds nothing a scanner flags. */
const FAKE_KEY_ID = ['AK', 'IA', 'QZT4FAKEKEY7X2LM'].join('');
const QUICK_INPUT = '.quick-input-widget';
const ACTION_WIDGET = '.context-view';

function secretDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter(d => d.source === 'stagecraft secrets');
}

describe('Issue 18: fixes that fix, and Tail Logs without prompts', function () {
  this.timeout(120_000);
  const folder = () => workspaceFolder('basic');

  before(async function () {
    if (!pageActionsServed()) this.skip();
    await stagecraftApi();
  });
  afterEach(closeAllEditors);

  it('"Move to a stage secret and read it from the environment" comes first: the value goes to dev\'s secrets, the code reads process.env', async () => {
    const uri = vscode.Uri.joinPath(folder().uri, 'src', 'aws.js');
    const stackFile = stackFileOf(folder());
    const original = await readText(stackFile);
    await fs.mkdir(path.dirname(uri.fsPath), { recursive: true });
    await fs.writeFile(uri.fsPath, `const s3 = new S3({\n  accessKeyId: "${FAKE_KEY_ID}",\n});\n`);
    try {
      const editor = await vscode.window.showTextDocument(uri);
      await editor.document.save();
      const [d] = await waitFor('a secret diagnostic after save', () => secretDiagnostics(uri).length > 0 && secretDiagnostics(uri));
      const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, d.range)) ?? [];
      // Stagecraft's fixes (the editor may list others of its own after them): the real fix first, Ignore last.
      const titles = actions.map(a => a.title).filter(t => /^(Move to a stage secret|Ignore this line)/.test(t));
      assert.equal(titles[0], 'Move to a stage secret and read it from the environment', titles.join(', '));
      assert.match(titles[titles.length - 1], /^Ignore this line/);
      assert.equal(actions[0].title, titles[0]);
      // As a user does: the light bulb's menu (Ctrl+.) on the secret, the move clicked there; the
      // name and the stage are then asked with their defaults.
      await vscode.window.showTextDocument(editor.document, { preserveFocus: false });
      editor.selection = new vscode.Selection(d.range.start, d.range.start);
      await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
      await vscode.commands.executeCommand('editor.action.quickFix');
      const menu = await onPage('workbench', [
        { waitForText: ACTION_WIDGET, text: 'Move to a stage secret and read it from the environment' },
        { text: ACTION_WIDGET, as: 'menu' },
        { screenshot: '18-6-move-secret-quick-fix' },
        { press: 'Enter' }, // the first quick fix is the one focused
      ]);
      assert.ok(menu.texts.menu.indexOf('Move to a stage secret') < menu.texts.menu.indexOf('Ignore this line'), menu.texts.menu);
      const asked = await onPage('workbench', [
        { waitForText: QUICK_INPUT, text: 'process.env.ACCESS_KEY_ID' },
        { value: `${QUICK_INPUT} input`, as: 'name' },
        { press: 'Enter' },
        { waitForText: QUICK_INPUT, text: 'Which stage keeps ACCESS_KEY_ID as a secret?' },
        { text: `${QUICK_INPUT} .monaco-list-row`, as: 'firstStage' },
        { screenshot: '18-6-move-secret-stage-pick' },
        { press: 'Enter' },
      ]);
      await waitFor('the literal replaced', () => editor.document.getText().includes('process.env.') && !editor.document.isDirty, { timeoutMs: 30_000 });
      assert.equal(asked.texts.name, 'ACCESS_KEY_ID');
      assert.match(asked.texts.firstStage, /^dev/, 'the first unprotected stage is the default');

      assert.equal(editor.document.getText(), 'const s3 = new S3({\n  accessKeyId: process.env.ACCESS_KEY_ID,\n});\n');
      assert.equal(await fs.readFile(uri.fsPath, 'utf8'), editor.document.getText(), 'the source is saved');
      const yaml = await readText(stackFile);
      assert.match(yaml, /- name: dev\n {4}provider: local {3}# runs on this machine\n {4}env:\n {6}LOG_LEVEL: debug\n {6}ACCESS_KEY_ID: \{ secret: ACCESS_KEY_ID \}\n/);
      assert.ok(!yaml.includes(FAKE_KEY_ID), 'the value is not in stagecraft.yaml');
      assert.equal((await readStageSecrets(folder().uri.fsPath, 'dev')).ACCESS_KEY_ID, FAKE_KEY_ID, 'stored as dev\'s secret');
      await waitFor('the diagnostic to go', () => secretDiagnostics(uri).length === 0);
    } finally {
      await closeAllEditors();
      await restoreText(stackFile, original);
      await deleteStageSecret(folder().uri.fsPath, 'dev', 'ACCESS_KEY_ID').catch(() => undefined);
      await fs.rm(path.dirname(uri.fsPath), { recursive: true, force: true });
    }
  });

  it('Tail Logs opens the app log of the stage, followed, from 10 minutes back, without a question', async () => {
    const api = await stagecraftApi();
    const dev = (await childrenOf(api, await waitForRoot(api, 'stack/shop-api'))).find(s => s.id === 'stack/shop-api/stage/dev');
    assert.ok(dev);
    const opened = vscode.commands.executeCommand('stagecraft.tailLogs', dev) as Thenable<LogTerminal | undefined>;
    let terminal: LogTerminal | undefined;
    try {
      terminal = await Promise.race([opened, new Promise<undefined>(resolve => setTimeout(() => resolve(undefined), 15_000))]);
      assert.ok(terminal, 'Tail Logs opened a terminal without asking anything');
      assert.equal(terminal.options.name, 'Logs: dev (app)');
      assert.match(terminal.options.header ?? '', /^Application log of dev .* · from 10 min ago · following/);
      assert.equal(terminal.options.follow, true);
      await waitFor('the terminal in the panel', () => vscode.window.terminals.find(t => t.name === 'Logs: dev (app)'));
      await vscode.commands.executeCommand('notifications.clearAll');
      await onPage('workbench', [{ waitForText: '.part.panel', text: 'Logs: dev (app)' }, { waitFor: '.part.panel .xterm-screen' }, { screenshot: '18-7-tail-defaults' }]);
    } finally {
      if (!terminal) await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      terminal?.dispose();
      vscode.window.terminals.find(t => t.name === 'Logs: dev (app)')?.dispose();
    }
  });
});
