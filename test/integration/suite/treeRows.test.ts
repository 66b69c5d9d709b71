import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Stack, Stage, StageStatus } from '../../../src/core/model';
import { runsDir, type RunRecord, type StepRecord } from '../../../src/core/pipeline';
import type { Provider } from '../../../src/core/provider';
import type { ProviderModule } from '../../../src/core/providerModule';
import type { StagecraftNode } from '../../../src/ui/tree';
import { childrenOf, closeAllEditors, readText, restoreText, shown, stackFileOf, stagecraftApi, stagecraftExtension, waitFor, waitForRoot, waitForStages, workspaceFolder } from '../support';
import { screenshot } from '../support/screenshot';
import { onPage, pageActionsServed } from './panelsPage';

const STACK_ID = 'stack/shop-api';
const SLOW = { timeoutMs: 60_000 };

interface MenuEntry {
  command: string;
  when?: string;
  group?: string;
}

function menus(): Record<string, MenuEntry[]> {
  return (stagecraftExtension().packageJSON.contributes as { menus: Record<string, MenuEntry[]> }).menus;
}

/**
 * Whether a `view/item/context` entry shows on a Stacks row with `contextValue`: evaluates the
 * `view ==` and `viewItem ==`/`=~` terms of its when clause, as VS Code does for these forms.
 */
function showsOn(entry: MenuEntry, contextValue: string): boolean {
  return (entry.when ?? 'true').split('&&').every(term => {
    const t = term.trim();
    if (t === 'view == stagecraft.stacks') return true;
    const equal = /^viewItem == (\S+)$/.exec(t);
    if (equal) return contextValue === equal[1];
    const match = /^viewItem =~ \/(.+)\/$/.exec(t);
    if (match) return new RegExp(match[1]).test(contextValue);
    throw new Error(`unexpected when term "${t}" of ${entry.command}`);
  });
}

function stageMenu(command: string, contextValue: string, inline: boolean): boolean {
  return menus()['view/item/context'].some(e => e.command === command && (e.group?.startsWith('inline') ?? false) === inline && e.when?.includes('view == stagecraft.stacks') && showsOn(e, contextValue));
}

function webviewTabs(kind: string): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap(g => g.tabs).filter(t => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes(`stagecraft.panel.${kind}`));
}

async function stageNodes(): Promise<Map<string, StagecraftNode & { kind: 'stage' }>> {
  const api = await stagecraftApi();
  const stack = await waitForRoot(api, STACK_ID);
  const nodes = (await childrenOf(api, stack)).filter((n): n is StagecraftNode & { kind: 'stage' } => n.kind === 'stage');
  return new Map(nodes.map(n => [n.stage.name, n]));
}

/** A provider written for these tests: its stages run, at a URL, deployed five minutes ago; `drifty` differs from the file. */
function rowTestModule(): ProviderModule {
  const fiveMinutesAgo = new Date(Date.now() - 5 * 60_000).toISOString();
  const provider = {
    name: 'rowtest',
    async status(_stack: Stack, stage: Stage): Promise<StageStatus> {
      return { kind: 'healthy', commit: 'c0ffee1234567890c0ffee1234567890c0ffee12', url: `http://127.0.0.1:9/${stage.name}`, updatedAt: fiveMinutesAgo };
    },
    async runningDrift(_stack: Stack, stage: Stage) {
      if (stage.name !== 'drifty') return { differences: [] };
      return { commit: 'c0ffee12', differences: [{ what: 'env' as const, key: 'LOG_LEVEL', detail: 'LOG_LEVEL is in the file but not in the running version (deploy the stage to apply it)' }] };
    },
  };
  return { name: 'rowtest', description: 'stages the tree-row tests describe', stageOptions: {}, create: async () => provider as unknown as Provider };
}

const STEP_PLAN: Array<[string, StepRecord['kind'], StepRecord['group'], boolean]> = [
  ['source', 'source', 'source', false],
  ['build:artifact', 'artifact', 'build', false],
  ['approval', 'approval', 'stage', true],
  ['migrate', 'migrate', 'stage', true],
  ['deploy', 'deploy', 'stage', true],
];

/** Writes a run record (and, for a live one, a fresh heartbeat of this process) to the stack's state folder. */
async function writeRun(root: string, id: string, stage: string, status: RunRecord['status'], steps: Partial<Record<string, StepRecord['status']>>, approval?: StepRecord['approval'], live = true): Promise<string> {
  const dir = path.join(runsDir(root), id);
  await fs.mkdir(dir, { recursive: true });
  const run: RunRecord = {
    version: 1,
    id,
    stack: 'shop-api',
    commit: 'c0ffee1234567890c0ffee1234567890c0ffee12',
    stages: [stage],
    createdAt: new Date().toISOString(),
    status,
    warnings: [],
    steps: STEP_PLAN.map(([name, kind, group, own]) => ({
      id: own ? `stage:${stage}:${name}` : name,
      kind,
      group,
      stage: own ? stage : undefined,
      label: name,
      status: steps[name] ?? 'pending',
      ...(kind === 'approval' && approval ? { approval } : {}),
    })),
    stageRecords: {},
  };
  if (live && (status === 'running' || status === 'awaiting-approval')) await fs.writeFile(path.join(dir, 'heartbeat.json'), JSON.stringify({ pid: process.pid, host: os.hostname(), at: new Date().toISOString() }));
  await fs.writeFile(path.join(dir, 'run.json'), JSON.stringify(run));
  return dir;
}

describe('the Stacks tree rows (issue 18)', function () {
  this.timeout(240_000);
  let file: vscode.Uri;
  let original: string;
  const written: string[] = [];

  before(async () => {
    file = stackFileOf(workspaceFolder('basic'));
    original = await readText(file);
  });

  afterEach(async () => {
    await closeAllEditors();
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  after(async () => {
    for (const dir of written.splice(0)) await fs.rm(dir, { recursive: true, force: true });
    await restoreText(file, original);
    await waitForStages(await stagecraftApi(), STACK_ID, ['dev', 'test', 'prod'], SLOW.timeoutMs);
  });

  it('18-1: the view title\'s "+" ignores the selected stage and opens Add Stage, defaulting to before prod', async () => {
    const api = await stagecraftApi();
    const dev = (await stageNodes()).get('dev')!;
    const title = menus()['view/title'].find(e => e.when?.includes('view == stagecraft.stacks') && e.group === 'navigation@1');
    assert.ok(title, 'the Stacks view has a first title action');
    // VS Code may hand a title action the selected row: it must not be read as the stage to add.
    const errors: string[] = [];
    const listening = api.onDidReportError(e => errors.push(`${e.command}: ${e.message}`));
    try {
      await vscode.commands.executeCommand(title.command, dev);
      await waitFor('the Add Stage form to open from the title with dev selected', () => webviewTabs('addStage').length === 1 || errors.length > 0 || undefined, SLOW);
      assert.deepEqual(errors, []);
      assert.equal(webviewTabs('addStage').length, 1);
      await closeAllEditors();

      if (pageActionsServed()) {
        // The same by hand: click dev in the tree, then the "+" of the view title.
        await vscode.commands.executeCommand('workbench.view.extension.stagecraft');
        const pane = '.pane:has(.pane-header:has-text("Stacks"))';
        await onPage('workbench', [
          { waitFor: `${pane} .monaco-list-row:has-text("shop-api")` },
          { click: `${pane} .monaco-list-row[aria-level="2"]:has-text("dev")` },
          { click: `${pane} .pane-header .action-label[aria-label^="Add Stage"]` },
        ]);
        await waitFor('the Add Stage form to open from the clicked "+"', () => webviewTabs('addStage').length === 1 || errors.length > 0 || undefined, SLOW);
        assert.deepEqual(errors, []);
        const form = await onPage('addStage', [
          { waitFor: '#position' },
          { text: '#position vscode-option[selected]', as: 'position' },
          { count: '#loadBalancer:visible', as: 'loadBalancer' },
          { count: '#database:visible', as: 'database' },
        ]);
        assert.equal(form.counts.database, 1, 'the options are shown');
        assert.equal(form.counts.loadBalancer, 0, '"Create load balancer" is not offered for a local stage (the default provider here)');
        assert.equal(form.texts.position.trim(), 'after test', 'a new stage goes before the first protected stage (prod), not after it');
        await screenshot('18-1-add-stage-ignores-selection', 'Add Stage: shop-api');
      }
    } finally {
      listening.dispose();
    }
    assert.equal(await readText(file), original, 'nothing was added');
  });

  it('18-4: a stage row shows status, commit and "5 min ago"; URL and the rest are in the hover; Open in Browser and Copy URL are inline on stages with a URL', async () => {
    const api = await stagecraftApi();
    const registration = api.providers.register(rowTestModule());
    const root = workspaceFolder('basic').uri.fsPath;
    try {
      await restoreText(file, `${original.trimEnd()}\n\n  - name: web\n    provider: rowtest\n    database: postgres\n`);
      await waitForStages(api, STACK_ID, ['dev', 'test', 'prod', 'web'], SLOW.timeoutMs);
      const web = await waitFor('web shown healthy', async () => {
        const item = shown(api, (await stageNodes()).get('web')!);
        return item.description.startsWith('healthy') ? item : undefined;
      }, SLOW);
      assert.equal(web.description, 'healthy · c0ffee1 · 5 min ago');
      assert.equal(web.icon, 'pass-filled');
      assert.match(web.tooltip, /URL: http:\/\/127\\\.0\\\.0\\\.1:9\/web/);
      assert.match(web.tooltip, /\(rowtest\)/, 'the provider is in the hover');
      assert.match(web.tooltip, /Database: PostgreSQL/);
      const dev = shown(api, (await stageNodes()).get('dev')!);
      assert.equal(dev.description, 'not deployed', 'a stage that never ran shows only its status');

      assert.ok(stageMenu('stagecraft.openStageUrl', web.contextValue!, true), 'Open in Browser is inline on a stage with a URL');
      assert.ok(stageMenu('stagecraft.copyStageUrl', web.contextValue!, true), 'Copy URL is inline on a stage with a URL');
      assert.ok(stageMenu('stagecraft.openStageUrl', web.contextValue!, false), 'and in its context menu');
      assert.ok(!stageMenu('stagecraft.openStageUrl', dev.contextValue!, true), 'not on a stage without a URL');
      await vscode.env.clipboard.writeText('');
      await vscode.commands.executeCommand('stagecraft.copyStageUrl', (await stageNodes()).get('web'));
      assert.equal(await vscode.env.clipboard.readText(), 'http://127.0.0.1:9/web');

      // The run records: a live run building for dev, a rejected promotion to test, web approved and migrating.
      const approval = { requestId: 'r', requestedAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 3600_000).toISOString(), by: 'ana' };
      written.push(await writeRun(root, '20260101-000001-000-aa01', 'test', 'rejected', { source: 'succeeded', 'build:artifact': 'succeeded', approval: 'failed' }, { ...approval, decision: 'rejected', comment: 'not today' }));
      written.push(await writeRun(root, '20260101-000002-000-aa02', 'dev', 'running', { source: 'succeeded', 'build:artifact': 'running' }));
      written.push(await writeRun(root, '20260101-000003-000-aa03', 'web', 'running', { source: 'succeeded', 'build:artifact': 'succeeded', approval: 'succeeded', migrate: 'running' }, { ...approval, decision: 'approved' }));
      await vscode.commands.executeCommand('stagecraft.refresh');
      let last: string[] = [];
      const words = await waitFor('building, rejected and approved · migrating from the run records', async () => {
        const nodes = await stageNodes();
        last = ['dev', 'test', 'web'].map(s => shown(api, nodes.get(s)!).description.split(' · c0ffee1')[0]);
        return JSON.stringify(last) === JSON.stringify(['building', 'rejected', 'approved · migrating']) ? last : undefined;
      }, SLOW).catch(err => {
        throw new Error(`${(err as Error).message} (last seen: ${last.join(', ')})`);
      });
      assert.equal(words.length, 3);
      const test = shown(api, (await stageNodes()).get('test')!);
      assert.match(test.tooltip, /Last promotion rejected by ana: not today/);
      await screenshot('18-4-stage-row', 'approved · migrating');
    } finally {
      for (const dir of written.splice(0)) await fs.rm(dir, { recursive: true, force: true });
      await restoreText(file, original);
      await waitForStages(api, STACK_ID, ['dev', 'test', 'prod'], SLOW.timeoutMs);
      registration.dispose();
    }
  });

  it('17-drifted: a running stage whose configuration differs from stagecraft.yaml reads "drifted"; Show Drift lists the differences', async () => {
    const api = await stagecraftApi();
    const registration = api.providers.register(rowTestModule());
    try {
      await restoreText(file, `${original.trimEnd()}\n\n  - name: drifty\n    provider: rowtest\n    env:\n      LOG_LEVEL: debug\n`);
      await waitForStages(api, STACK_ID, ['dev', 'test', 'prod', 'drifty'], SLOW.timeoutMs);
      const node = await waitFor('drifty shown drifted', async () => {
        const n = (await stageNodes()).get('drifty')!;
        return shown(api, n).description.startsWith('drifted') ? n : undefined;
      }, SLOW);
      const item = shown(api, node);
      assert.equal(item.description, 'drifted · c0ffee1 · 5 min ago');
      assert.equal(item.icon, 'warning');
      assert.match(item.tooltip, /LOG\\_LEVEL is in the file but not in the running version/);
      assert.ok(stageMenu('stagecraft.showDrift', item.contextValue!, true), 'Show Drift is inline on a drifted stage');
      const document = await vscode.commands.executeCommand<vscode.TextDocument>('stagecraft.showDrift', node);
      assert.match(document.getText(), /LOG_LEVEL is in the file but not in the running version/);
      await screenshot('17-drifted-show-drift-provider', 'drifted');
    } finally {
      await restoreText(file, original);
      await waitForStages(api, STACK_ID, ['dev', 'test', 'prod'], SLOW.timeoutMs);
      registration.dispose();
    }
  });

  it('18-8: commands show only when they can run (database menus by row, Resume and Approve by context key)', async () => {
    const api = await stagecraftApi();
    const nodes = await stageNodes();
    const dev = shown(api, nodes.get('dev')!);
    const test = shown(api, nodes.get('test')!);
    for (const command of ['stagecraft.showDatabaseSecret', 'stagecraft.rotateDatabasePassword']) {
      assert.ok(!stageMenu(command, dev.contextValue!, false), `${command} is not offered on dev, which has no database`);
      assert.ok(stageMenu(command, test.contextValue!, false), `${command} is offered on test (database: postgres)`);
    }
    assert.ok(!stageMenu('stagecraft.approvePromotion', test.contextValue!, true), 'Approve only on a stage that waits');

    const palette = menus().commandPalette;
    const whenOf = (command: string) => palette.find(e => e.command === command)?.when;
    assert.equal(whenOf('stagecraft.approvePromotion'), 'stagecraft.approvalWaiting || stagecraft.runApprovalWaiting');
    assert.equal(whenOf('stagecraft.rejectPromotion'), 'stagecraft.approvalWaiting || stagecraft.runApprovalWaiting');
    assert.equal(whenOf('stagecraft.resumeRun'), 'stagecraft.runInterrupted');
    assert.equal(whenOf('stagecraft.createStack'), '!stagecraft.hasStack || stagecraft.folderWithoutStack');

    if (!pageActionsServed()) return;
    // In the real palette: nothing to resume yet, then an interrupted run (no heartbeat) offers Resume.
    // "Stagecraft: Run" also lists Run Pipeline: once it shows, the list is complete.
    const paletteCount = async (query: string, shownRow: string, counted: string, screenshotName?: string): Promise<number> => {
      await vscode.commands.executeCommand('workbench.action.quickOpen', `>Stagecraft: ${query}`);
      try {
        const row = (text: string) => `.quick-input-list .monaco-list-row:has-text("${text}")`;
        const seen = await onPage('workbench', [{ waitFor: row(shownRow) }, { count: row(counted), as: 'n' }, ...(screenshotName ? [{ screenshot: screenshotName }] : [])]);
        return seen.counts.n;
      } finally {
        await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      }
    };
    const root = workspaceFolder('basic').uri.fsPath;
    const resume = async (expect: 'shown' | 'hidden') => assert.equal(await paletteCount('Run', 'Run Pipeline', 'Resume Interrupted Run'), expect === 'shown' ? 1 : 0, `Resume Interrupted Run ${expect} in the palette`);
    await resume('hidden');
    // Running, with no process beating for it: interrupted.
    written.push(await writeRun(root, '20991231-235959-000-ff01', 'dev', 'running', { source: 'succeeded', 'build:artifact': 'running' }, undefined, false));
    try {
      await vscode.commands.executeCommand('stagecraft.refresh');
      await stageNodes(); // the tree has read the runs again (and set its context keys)
      await waitFor('Resume Interrupted Run in the palette', async () => ((await paletteCount('Run', 'Run Pipeline', 'Resume Interrupted Run', '18-8-when-clauses')) === 1 ? true : undefined), { timeoutMs: 90_000 });
    } finally {
      for (const dir of written.splice(0)) await fs.rm(dir, { recursive: true, force: true });
      await vscode.commands.executeCommand('stagecraft.refresh');
      await stageNodes();
    }
    assert.equal(await paletteCount('Pro', 'Select AWS Profile', 'Promotion'), 0, 'Approve and Reject Promotion are not offered while no approval waits');

    // A run that waits for a person at test: Approve and Reject appear, in the palette and on test's row.
    const requestedAt = new Date().toISOString();
    written.push(await writeRun(root, '20991231-235959-000-ff02', 'test', 'awaiting-approval', { source: 'succeeded', 'build:artifact': 'succeeded', approval: 'awaiting-approval' }, { requestId: 'wait-1', requestedAt, expiresAt: new Date(Date.now() + 3600_000).toISOString() }));
    try {
      await vscode.commands.executeCommand('stagecraft.refresh');
      const waiting = await waitFor('test awaiting approval', async () => {
        const item = shown(api, (await stageNodes()).get('test')!);
        return item.description.startsWith('awaiting approval') ? item : undefined;
      }, SLOW);
      assert.ok(stageMenu('stagecraft.approvePromotion', waiting.contextValue!, true), 'Approve is inline on the waiting stage');
      assert.ok(stageMenu('stagecraft.showDatabaseSecret', waiting.contextValue!, false), 'a waiting stage keeps its database menus');
      await waitFor('Approve and Reject Promotion in the palette', async () => ((await paletteCount('Pro', 'Select AWS Profile', 'Promotion')) === 2 ? true : undefined), { timeoutMs: 90_000 });
    } finally {
      for (const dir of written.splice(0)) await fs.rm(dir, { recursive: true, force: true });
      await vscode.commands.executeCommand('stagecraft.refresh');
      await stageNodes();
      await vscode.commands.executeCommand('notifications.clearAll');
    }
  });
});
