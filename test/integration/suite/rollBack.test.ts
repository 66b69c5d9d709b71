import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { listRuns, type RunRecord } from '../../../src/core/pipeline';
import { stateDir } from '../../../src/core/workspace';
import type { ReleaseNode } from '../../../src/ui/releases/releasesTree';
import type { StagecraftNode } from '../../../src/ui/tree';
import { memoryModule, type MemoryProvider } from '../../unit/providers/memory/module';
import { shown, stagecraftApi, waitFor, waitForStages, workspaceFolder } from '../support';
import { screenshot } from '../support/screenshot';
import { onPage, pageActionsServed } from './panelsPage';

const STACK = `stack: shelf-rollback
branchModel: trunk
stages:
  - name: dev
    provider: memory
`;
const PICK = '.quick-input-widget';
const SLOW = { timeoutMs: 120_000, intervalMs: 300 };

/**
 * Roll Back Stage… in the real VS Code: a stack on the memory provider (a real git repository in
 * the "empty" folder) releases two commits to dev through real runs (Deploy to Stage); Roll Back
 * Stage… on dev's tree row offers the earlier release in a real quick pick; picking it starts a run
 * that deploys commit 1's recorded artifact with no build or check steps, after which dev runs
 * commit 1 (the provider says so, and so do the Stacks tree and the Releases view).
 */
describe('Roll Back Stage… (Stacks tree, real quick pick)', function () {
  this.timeout(300_000);
  let dir: string;
  let state: string;
  let savedState: string | undefined;
  let foundEntries = new Set<string>();
  let registration: vscode.Disposable | undefined;
  let provider: MemoryProvider | undefined;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();

  /** Deploy to Stage on dev, through the real command; resolves with the run that released `commit`. */
  async function deployDev(commit: string): Promise<RunRecord> {
    const api = await stagecraftApi();
    const [dev] = await waitForStages(api, 'stack/shelf-rollback', ['dev'], 60_000);
    await vscode.commands.executeCommand('stagecraft.deployStage', dev);
    return waitFor(`a run that released ${commit.slice(0, 8)} to dev`, async () => (await listRuns(dir)).find(r => r.commit === commit && r.stageRecords.dev?.status === 'serving'), SLOW);
  }

  before(async function () {
    if (!pageActionsServed()) this.skip();
    const folder = workspaceFolder('empty').uri.fsPath;
    foundEntries = new Set(await fs.readdir(folder));
    assert.ok(!foundEntries.has('stagecraft.yaml') && !foundEntries.has('.git'), 'the "empty" folder has no stack and no repository (an earlier test left one behind)');
    dir = folder;
    state = stateDir(dir);
    // The folder's state (runs of earlier tests of this folder) is put back as found afterwards.
    if (existsSync(state)) {
      savedState = await fs.mkdtemp(path.join(os.tmpdir(), 'stagecraft-rollback-state-'));
      await fs.cp(state, savedState, { recursive: true });
    }
    const api = await stagecraftApi();
    const module = memoryModule();
    const create = module.create.bind(module);
    // Kept so the test can ask the provider what dev runs (its status), as the tree does.
    module.create = async (...args) => (provider = await create(...args));
    registration = api.providers.register(module);
    git('init', '-q', '-b', 'main');
    git('config', 'user.name', 'Rollback Tester');
    git('config', 'user.email', 'rollback-tester@example.invalid');
    git('config', 'commit.gpgsign', 'false');
    await fs.writeFile(path.join(dir, 'stagecraft.yaml'), STACK);
    git('add', '-A');
    git('commit', '-q', '-m', 'Shelve the first release');
  });

  after(async () => {
    await vscode.commands.executeCommand('notifications.clearAll');
    if (dir) {
      // What this test added to the folder (stagecraft.yaml, .git): the folder is left as found.
      for (const entry of await fs.readdir(dir)) if (!foundEntries.has(entry)) await fs.rm(path.join(dir, entry), { recursive: true, force: true });
      await fs.rm(state, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
      if (savedState) {
        await fs.cp(savedState, state, { recursive: true });
        await fs.rm(savedState, { recursive: true, force: true });
      }
    }
    registration?.dispose();
  });

  it('picks the earlier release of dev; the run deploys its recorded artifact without building; dev runs commit 1 again', async () => {
    const api = await stagecraftApi();
    const c1 = git('rev-parse', 'HEAD');
    const first = await deployDev(c1);
    git('commit', '-q', '--allow-empty', '-m', 'Shelve the second release');
    const c2 = git('rev-parse', 'HEAD');
    const second = await deployDev(c2);
    assert.ok(first.artifact?.id && second.artifact?.id && first.artifact.id !== second.artifact.id, 'each commit was built into its own artifact');
    assert.ok(first.steps.some(s => s.group !== 'stage'), 'a real release builds (source/build steps), so their absence below means something');

    const [devRow] = await waitForStages(api, 'stack/shelf-rollback', ['dev'], 60_000);
    assert.equal(devRow.kind, 'stage');
    const { stack, stage } = devRow as Extract<StagecraftNode, { kind: 'stage' }>;
    const status = () => provider!.status(stack, stage);
    assert.equal((await status()).commit, c2, 'dev runs commit 2 before the rollback');
    await waitFor('the dev row to show commit 2', async () => (shown(api, (await waitForStages(api, 'stack/shelf-rollback', ['dev']))[0]).description.includes(c2.slice(0, 7)) ? true : undefined), SLOW);

    await vscode.commands.executeCommand('workbench.view.extension.stagecraft');
    await vscode.commands.executeCommand('notifications.clearAll'); // the deploys' messages would cover the screenshot
    const rolledBack = Promise.resolve(vscode.commands.executeCommand<RunRecord | undefined>('stagecraft.rollBackStage', devRow));
    const pick = await onPage('workbench', [
      { waitForText: PICK, text: c1.slice(0, 8) },
      { text: `${PICK} .quick-input-list`, as: 'pick' },
      { evaluate: `document.querySelector('${PICK} .quick-input-box input').placeholder`, as: 'placeholder' },
      { screenshot: '17-roll-back-stage' },
      { click: `${PICK} .monaco-list-row:has-text("${c1.slice(0, 8)}")` },
    ]);
    assert.equal(pick.texts.placeholder, `Roll dev back to which release? (it runs ${c2.slice(0, 8)} now)`);
    assert.match(pick.texts.pick, new RegExp(`${c1.slice(0, 8)}\\s*Shelve the first release`));
    assert.match(pick.texts.pick, new RegExp(`run ${first.id}`));
    assert.doesNotMatch(pick.texts.pick, new RegExp(c2.slice(0, 8)), 'what dev runs now is not offered');

    const run = await rolledBack;
    assert.ok(run, 'Roll Back Stage returned its run');
    assert.equal(run.status, 'succeeded');
    assert.equal(run.commit, c1);
    assert.deepEqual(run.stages, ['dev']);
    assert.deepEqual(run.rollbackTo, { stage: 'dev', commit: c1, runId: first.id });
    assert.equal(run.artifact?.id, first.artifact!.id, 'the artifact recorded for commit 1 is deployed');
    assert.deepEqual(run.steps.filter(s => s.group !== 'stage').map(s => s.label), [], 'no source, build or check steps: nothing is rebuilt');
    assert.ok(run.steps.some(s => s.kind === 'deploy' && s.status === 'succeeded'), 'it deployed');
    assert.ok(run.steps.some(s => s.kind === 'promote' && s.status === 'succeeded'), 'it switched dev over');

    const now = await status();
    assert.equal(now.commit, c1, 'the provider says dev runs commit 1');
    assert.equal(now.artifact, first.artifact!.id);
    await waitFor('the dev row to show commit 1', async () => (shown(api, (await waitForStages(api, 'stack/shelf-rollback', ['dev']))[0]).description.includes(c1.slice(0, 7)) ? true : undefined), SLOW);

    api.releases.refresh();
    const commits = await waitFor('commit 1 marked as what dev runs in the Releases view', async () => {
      const stackNode = ((await api.releases.getChildren()) as ReleaseNode[]).find(n => n.kind === 'stack' && n.stack.root === dir);
      const nodes = stackNode ? ((await api.releases.getChildren(stackNode)) as ReleaseNode[]) : [];
      const described = (c: string) => api.releases.getTreeItem(nodes.find(n => n.kind === 'commit' && n.entry.commit === c)!)?.description;
      return nodes.some(n => n.kind === 'commit' && n.entry.commit === c1) && described(c1) === '● dev' ? nodes : undefined;
    }, SLOW);
    const item = (c: string) => api.releases.getTreeItem(commits.find(n => n.kind === 'commit' && n.entry.commit === c)!);
    assert.equal(item(c1).description, '● dev', 'commit 1 is what dev runs');
    assert.equal(item(c2).description, '○ dev', 'commit 2 reached dev but no longer runs there');
    await vscode.commands.executeCommand('stagecraft.releases.focus').then(undefined, () => undefined);
    // The rollback's progress notification would cover the view: it closes once the run has ended.
    await onPage('workbench', [{ waitForNotText: '.notifications-toasts', text: 'Rolling back' }]);
    await screenshot('17-rolled-back', 'Shelve the first release');
  });
});
