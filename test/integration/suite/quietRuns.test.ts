import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { destroyStages } from '../../unit/e2e/support/cleanup';
import { SampleRepo } from '../../unit/e2e/support/sampleRepo';
import { childrenOf, stagecraftApi, waitFor, waitForRoot } from '../support';
import { onPage, pageActionsServed } from './panelsPage';

const TOASTS = '.notifications-toasts';
const QUICK_INPUT = '.quick-input-widget';

/**
 * Issue 18, items 5 and 7 on a real run: Run Pipeline names the stages before a path through a
 * protected stage; Deploy Stage ends with a one-line notification and writes to the one
 * "Stagecraft Runs" channel under a header; deploying the same commit again takes over the checks
 * the first deploy recorded. The sample service is a temporary git repository added as a folder.
 */
describe('Issue 18: quiet notifications and one-offs on a local stack', function () {
  this.timeout(300_000);
  let repo: SampleRepo | undefined;
  const lines: string[] = [];
  let appended: vscode.Disposable | undefined;

  before(async function () {
    if (!pageActionsServed()) this.skip();
    repo = new SampleRepo({ keepTests: ['config.test.js'] });
    const count = vscode.workspace.workspaceFolders?.length ?? 0;
    const added = waitForFolders(folders => folders.some(f => f.uri.fsPath === repo!.dir));
    assert.ok(vscode.workspace.updateWorkspaceFolders(count, 0, { uri: vscode.Uri.file(repo.dir), name: 'sample-service' }), 'VS Code refused to add the folder');
    await added;
    const api = await stagecraftApi();
    appended = api.runs.onDidAppend(e => lines.push(...e.lines));
  });

  after(async function () {
    appended?.dispose();
    await vscode.commands.executeCommand('notifications.clearAll');
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

  async function devNode() {
    const api = await stagecraftApi();
    const dev = (await childrenOf(api, await waitForRoot(api, 'stack/sample', 20_000))).find(n => n.id === 'stack/sample/stage/dev');
    assert.ok(dev, 'the dev stage node of the sample stack');
    return dev;
  }

  it('Run Pipeline through a protected stage first asks, naming the stages and the approval', async () => {
    const commit = repo!.head().slice(0, 7);
    const api = await stagecraftApi();
    await waitForRoot(api, 'stack/sample', 20_000);
    let reported: string | undefined;
    const errors = api.onDidReportError(e => (reported = e.message));
    const started = vscode.commands.executeCommand('stagecraft.runPipeline', await waitForRoot(api, 'stack/sample'));
    // Planning reads git and the stages first: on a loaded machine the question can take a while.
    let seen: Awaited<ReturnType<typeof onPage>> | undefined;
    for (let attempt = 0; !seen && attempt < 4 && !reported; attempt++) {
      seen = await onPage('workbench', [
        { waitForText: QUICK_INPUT, text: `Run ${commit} through` },
        { text: `${QUICK_INPUT} .quick-input-title`, as: 'question' },
        { text: `${QUICK_INPUT} .monaco-list-row`, as: 'first' },
        { screenshot: '18-7-run-confirmation' },
        { press: 'Escape' },
      ]).catch(err => (attempt === 3 ? Promise.reject(err) : undefined));
    }
    errors.dispose();
    assert.ok(seen, `Run Pipeline asked nothing (reported: ${reported})`);
    await started;
    assert.equal(seen.texts.question, `Run ${commit} through dev → test → prod (prod needs approval)?`);
    assert.match(seen.texts.first, /Run/);
    assert.ok(!lines.some(l => l.includes('==== Run')), 'nothing ran after Escape');
  });

  let firstRun = '';

  it('Deploy Stage ends with a one-line toast with Show Output, and the run is under a header in "Stagecraft Runs"', async () => {
    await vscode.commands.executeCommand('notifications.clearAll');
    const commit = repo!.head().slice(0, 7);
    await vscode.commands.executeCommand('stagecraft.deployStage', await devNode());
    const toast = await onPage('workbench', [
      { waitForText: TOASTS, text: `Released ${commit} to dev` },
      { text: `${TOASTS} .notification-list-item-message`, as: 'message' },
      { text: `${TOASTS} .notification-list-item-buttons-container`, as: 'buttons' },
      { screenshot: '18-5-one-line-toast' },
    ]);
    assert.match(toast.texts.message, new RegExp(`^Released ${commit} to dev( — \\d+ warnings?)?$`));
    assert.match(toast.texts.buttons, /Show Output/);
    const header = lines.find(l => l.startsWith('==== Run '));
    assert.ok(header, lines.slice(0, 5).join('\n'));
    assert.match(header, new RegExp(`^==== Run (\\S+) · sample · commit ${commit} · dev · .+ ====$`));
    firstRun = /^==== Run (\S+)/.exec(header)![1];
    assert.ok(!lines.some(l => l.includes('⏸')));
  });

  it('deploying the same commit again takes over the checks the first run recorded, and says so', async () => {
    assert.ok(firstRun, 'the first deploy ran');
    lines.length = 0;
    await vscode.commands.executeCommand('notifications.clearAll');
    await vscode.commands.executeCommand('stagecraft.deployStage', await devNode());
    await waitFor('the second run to finish', () => lines.some(l => / Run succeeded/.test(l)), { timeoutMs: 120_000 });
    assert.ok(lines.some(l => l.includes(`Checks reused from run ${firstRun}`)), lines.join('\n'));
    for (const label of ['Unit tests', 'Secret scan', 'SBOM', 'Dependency audit']) {
      assert.ok(lines.some(l => new RegExp(`${label} (succeeded|warning|skipped) in .*: checks reused from run ${firstRun}: `).test(l)), `${label}: ${lines.join('\n')}`);
      assert.ok(lines.some(l => new RegExp(`^ {4}\\S ${label}\\s+reused from run ${firstRun}$`).test(l)), `${label} in the table`);
    }
    await vscode.commands.executeCommand('stagecraft.showRunOutput');
    // (The output view renders spaces as no-break spaces: wait for the run id alone.)
    await onPage('workbench', [{ waitForText: '.part.panel', text: firstRun }, { screenshot: '18-7-deploy-reuses-checks' }]);
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
