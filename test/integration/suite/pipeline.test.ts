import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { stateDir } from '../../../src/core/workspace';
import { destroyStages } from '../../unit/e2e/support/cleanup';
import { info } from '../../unit/e2e/support/http';
import { SampleRepo } from '../../unit/e2e/support/sampleRepo';
import { childrenOf, closeAllEditors, shown, stagecraftApi, waitFor, waitForRoot } from '../support';
import { screenshot } from '../support/screenshot';

/**
 * Deploy Stage from the tree of a real VS Code, on the local provider: the sample service is
 * copied into a temporary git repository and committed at test time, added to the multi-root
 * workspace as a folder, deployed to dev through `stagecraft.deployStage` with the stage's node,
 * and the tree must then show dev healthy at that commit. The folder is removed and the stage
 * destroyed (through the CLI) afterwards, so the other tests see the workspace they expect.
 */
describe('Deploy Stage on a local stack', function () {
  this.timeout(240_000);
  let repo: SampleRepo | undefined;
  let folderUri: vscode.Uri | undefined;

  before(async function () {
    repo = new SampleRepo({ keepTests: ['config.test.js'] });
    folderUri = vscode.Uri.file(repo.dir);
    const count = vscode.workspace.workspaceFolders?.length ?? 0;
    const added = waitForFolders(folders => folders.some(f => f.uri.fsPath === repo!.dir));
    assert.ok(vscode.workspace.updateWorkspaceFolders(count, 0, { uri: folderUri, name: 'sample-service' }), 'VS Code refused to add the folder');
    await added;
  });

  after(async function () {
    const index = vscode.workspace.workspaceFolders?.findIndex(f => f.uri.fsPath === repo?.dir) ?? -1;
    if (index >= 0) {
      const removed = waitForFolders(folders => !folders.some(f => f.uri.fsPath === repo?.dir));
      vscode.workspace.updateWorkspaceFolders(index, 1);
      await removed.catch(err => console.error(`removing the sample folder: ${(err as Error).message}`));
    }
    if (!repo) return;
    const problems = await destroyStages(repo.dir, ['dev', 'test', 'prod']);
    if (problems.length) console.log(`    cleanup: ${problems.join('\n    cleanup: ')}`);
    repo.remove();
  });

  it('deploys the committed sample to dev; the tree then shows dev healthy at that commit, and dev serves it', async () => {
    const api = await stagecraftApi();
    const commit = repo!.head();
    const stack = await waitForRoot(api, 'stack/sample', 20_000);
    const devNode = (await childrenOf(api, stack)).find(n => n.id === 'stack/sample/stage/dev');
    assert.ok(devNode, 'the dev stage node of the sample stack');
    assert.equal(shown(api, devNode).description, 'not deployed');

    await vscode.commands.executeCommand('stagecraft.deployStage', devNode);

    const item = await waitFor(
      'dev shown healthy at the deployed commit',
      async () => {
        const dev = (await childrenOf(api, await waitForRoot(api, 'stack/sample'))).find(n => n.id === 'stack/sample/stage/dev');
        const seen = dev && shown(api, dev);
        return seen && seen.description.startsWith(`healthy · ${commit.slice(0, 7)} · `) ? seen : undefined;
      },
      { timeoutMs: 20_000 },
    ).catch(async err => {
      const runs = await vscode.workspace.findFiles(new vscode.RelativePattern(vscode.Uri.file(stateDir(repo!.dir)), 'runs/*/run.log'));
      throw new Error(`${(err as Error).message}; run logs: ${runs.map(u => u.fsPath).join(', ') || 'none (the command did not start a run)'}`);
    });
    assert.equal(item.icon, 'pass-filled');
    assert.match(item.tooltip, new RegExp(`Commit: \`${commit}\``));
    assert.match(item.description, /· (just now|\d+ min ago)$/, 'when it was deployed');
    const url = /http:\/\/127\\\.0\\\.0\\\.1:\d+/.exec(item.tooltip)![0].replace(/\\/g, '');
    const served = await info(url);
    assert.equal(served.commitHash, commit);
    assert.equal(served.stage, 'dev');
    assert.equal(served.database, 'postgres');
  });

  it('17-drifted: the running dev reads "drifted" once stagecraft.yaml gives it a variable it does not run with; Show Drift names it', async () => {
    const api = await stagecraftApi();
    const file = path.join(repo!.dir, 'stagecraft.yaml');
    const original = await fs.readFile(file, 'utf8');
    const marker = '    database: postgres  # its own PostgreSQL';
    assert.ok(original.includes(marker), 'the sample gives dev a database');
    const edited = original.replace(/(    database: postgres  # its own PostgreSQL[^\n]*\n)/, '$1    env:\n      FEATURE_FLAG: "on"\n');
    assert.notEqual(edited, original);
    try {
      await fs.writeFile(file, edited);
      const dev = await waitFor('dev shown drifted', async () => {
        const node = (await childrenOf(api, await waitForRoot(api, 'stack/sample'))).find(n => n.id === 'stack/sample/stage/dev');
        return node && shown(api, node).description.startsWith('drifted · ') ? node : undefined;
      }, { timeoutMs: 30_000 });
      const item = shown(api, dev);
      assert.equal(item.icon, 'warning');
      assert.match(item.tooltip, /FEATURE\\_FLAG is in the file but not in the running version/);
      assert.match(item.contextValue ?? '', /\+drifted\b/, 'the row offers Show Drift');
      const document = await vscode.commands.executeCommand<vscode.TextDocument>('stagecraft.showDrift', dev);
      assert.match(document.getText(), /FEATURE_FLAG is in the file but not in the running version/);
      await screenshot('17-drifted-in-tree', 'drifted');
    } finally {
      await fs.writeFile(file, original);
      await closeAllEditors();
    }
    await waitFor('dev back to healthy', async () => {
      const node = (await childrenOf(api, await waitForRoot(api, 'stack/sample'))).find(n => n.id === 'stack/sample/stage/dev');
      return node && shown(api, node).description.startsWith('healthy · ') ? true : undefined;
    }, { timeoutMs: 30_000 });
  });
});

/** Resolves once the workspace folders satisfy `test` (VS Code applies updateWorkspaceFolders asynchronously). */
function waitForFolders(test: (folders: readonly vscode.WorkspaceFolder[]) => boolean, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`the workspace folders did not change as expected within ${timeoutMs} ms`));
    }, timeoutMs);
    const subscription = vscode.workspace.onDidChangeWorkspaceFolders(() => {
      if (!test(vscode.workspace.workspaceFolders ?? [])) return;
      clearTimeout(timer);
      subscription.dispose();
      resolve();
    });
  });
}
