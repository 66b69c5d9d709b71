import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { parseStackFile } from '../../../src/core/config/load';
import { childrenOf, nextReportedError, readText, restoreText, roots, shown, stackFileOf, stagecraftApi, waitFor, waitForRoot, workspaceFolder } from '../support';

describe('Create Stack', () => {
  let folder: vscode.WorkspaceFolder;
  let gitignore: vscode.Uri;
  let gitignoreBefore: string;
  let watcher: vscode.FileSystemWatcher;
  let creationSeen: Promise<unknown>;

  before(async () => {
    folder = workspaceFolder('empty');
    // VS Code drops a create and a delete of the same file that fall in one batch of watcher events
    // (tens of ms), so the deletion test first waits until the creation has been reported.
    watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, 'stagecraft.yaml'), false, true, true);
    creationSeen = new Promise(resolve => watcher.onDidCreate(resolve));
    gitignore = vscode.Uri.joinPath(folder.uri, '.gitignore');
    gitignoreBefore = await readText(gitignore);
    await assert.rejects(readText(stackFileOf(folder)), 'the "empty" fixture starts without a stack file');
  });

  after(async () => {
    watcher.dispose();
    await restoreText(stackFileOf(folder), undefined);
    await restoreText(gitignore, gitignoreBefore);
    await vscode.commands.executeCommand('stagecraft.refresh');
  });

  it('writes a valid, commented stagecraft.yaml prefilled from the Dockerfile and package.json, and shows it', async () => {
    const api = await stagecraftApi();
    const uri = await vscode.commands.executeCommand<vscode.Uri>('stagecraft.createStack', { folder: folder.uri, name: 'orders', open: false });
    assert.equal(uri?.fsPath, stackFileOf(folder).fsPath);

    const text = await readText(uri);
    const parsed = parseStackFile(text, uri.fsPath);
    assert.deepEqual(parsed.problems, [], 'the new file has no problems');
    assert.equal(parsed.stack?.name, 'orders');
    assert.equal(parsed.stack?.service.port, 4000, 'port from EXPOSE in the Dockerfile');
    // The Dockerfile's CMD starts the service, so the file writes no `start:` (it names the CMD in a comment).
    assert.equal(parsed.stack?.service.start, undefined, 'no start: that could contradict the Dockerfile');
    assert.match(text, /node index\.js/, 'the CMD is named in a comment');
    assert.deepEqual(parsed.stack?.stages.map(s => s.name), ['dev', 'test', 'prod']);
    assert.ok(text.split('\n').filter(l => /^\s*#/.test(l)).length >= 3, 'the file explains itself in comments');

    const ignored = await readText(gitignore);
    assert.equal(ignored, gitignoreBefore, '.gitignore is left alone: no state lives in the repository');

    const stack = await waitForRoot(api, 'stack/orders');
    assert.equal(stack.folder.folder.name, 'empty');
    assert.match(shown(api, stack).description, /^3 stages/);
    assert.deepEqual((await childrenOf(api, stack)).map(s => s.id), ['dev', 'test', 'prod'].map(s => `stack/orders/stage/${s}`));
  });

  it('never overwrites an existing stagecraft.yaml and says so', async () => {
    const api = await stagecraftApi();
    const before = await readText(stackFileOf(folder));
    const reported = nextReportedError(api, 'stagecraft.createStack');
    const result = await vscode.commands.executeCommand('stagecraft.createStack', { folder: folder.uri, name: 'other', open: false });
    assert.equal(result, undefined);
    const error = await reported;
    assert.equal(error.kind, 'input');
    assert.match(error.message, /stagecraft\.yaml already exists/);
    assert.equal(await readText(stackFileOf(folder)), before, 'the file is untouched');
  });

  it('drops the stack from the tree when its stagecraft.yaml is deleted (file watcher)', async () => {
    const api = await stagecraftApi();
    await waitForRoot(api, 'stack/orders');
    await waitFor('the watcher to report the created file', () => Promise.race([creationSeen.then(() => true), new Promise<false>(r => setTimeout(() => r(false), 100))]));
    await fs.rm(stackFileOf(folder).fsPath);
    await waitFor('the deleted stack to leave the tree', async () => !(await roots(api)).some(n => n.folder.folder.name === 'empty'));
  });
});
