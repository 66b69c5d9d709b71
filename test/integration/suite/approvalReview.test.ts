import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { evidenceDigest } from '../../../src/core/approval';
import { findPendingApproval, readRun } from '../../../src/core/pipeline';
import { memoryModule } from '../../unit/providers/memory/module';
import { closeAllEditors, stagecraftApi, waitFor, waitForRoot, workspaceFolder } from '../support';
import { onPage, pageActionsServed } from './panelsPage';

const STACK = `stack: shelf-shop
branchModel: trunk
stages:
  - name: dev
    provider: memory
    env:
      GREETING: hello from dev
  - name: prod
    provider: memory
    requireApproval: true
    env:
      API_KEY: { secret: PROD_API_KEY }
`;
const STATUS_BAR = '#workbench\\.parts\\.statusbar';
const BADGE = '#workbench\\.parts\\.activitybar .action-item:has(.action-label[aria-label^="Stagecraft"]) .badge-content';
const TOASTS = '.notifications-toasts';
const SLOW = { timeoutMs: 90_000, intervalMs: 250 };

/**
 * A promotion that waits, in the real VS Code: a run of a stack on the memory provider (a real git
 * repository in the "empty" folder, a real pipeline run started with Run Pipeline) stops at prod.
 * Issue 18 item 10: the status bar item, the badge on the Stagecraft view and the notification stay
 * while it waits (the notification still after 20 s). Issue 17: Approve Promotion from the command
 * palette opens the review panel with the evidence; Approve with a comment on the page records the
 * decision with the digest of that evidence; then the item and the badge are gone.
 */
describe('Approval review panel and a waiting approval that stays visible', function () {
  this.timeout(300_000);
  let dir: string;
  let registration: vscode.Disposable | undefined;
  let run: Thenable<unknown> | undefined;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();

  before(async function () {
    if (!pageActionsServed()) this.skip();
    const api = await stagecraftApi();
    registration = api.providers.register(memoryModule());
    dir = workspaceFolder('empty').uri.fsPath;
    git('init', '-q', '-b', 'main');
    git('config', 'user.name', 'Review Tester');
    git('config', 'user.email', 'review-tester@example.invalid');
    git('config', 'commit.gpgsign', 'false');
    await fs.writeFile(path.join(dir, 'stagecraft.yaml'), STACK);
    git('add', '-A');
    git('commit', '-q', '-m', 'Put the shop on shelves');
    git('commit', '-q', '--allow-empty', '-m', 'Price the shelves');
  });

  after(async () => {
    await closeAllEditors();
    await vscode.commands.executeCommand('notifications.clearAll');
    if (dir) {
      await fs.rm(path.join(dir, 'stagecraft.yaml'), { force: true });
      await fs.rm(path.join(dir, '.git'), { recursive: true, force: true });
    }
    registration?.dispose();
  });

  it('18-10: while prod waits, a status bar item, a badge on the view and the notification (still there after 20 s)', async () => {
    const api = await stagecraftApi();
    const stackNode = await waitForRoot(api, 'stack/shelf-shop', 60_000);
    run = vscode.commands.executeCommand('stagecraft.runPipeline', stackNode);
    // Its path ends at the protected prod: Run Pipeline first asks (item 7 of issue 18); Run is the first choice.
    await onPage('workbench', [
      { waitForText: '.quick-input-widget', text: 'prod needs approval' },
      { press: 'Enter' },
    ]);
    await waitFor('the run to wait at prod', () => findPendingApproval(dir, 'prod'), SLOW);
    await onPage('workbench', [
      { waitForText: STATUS_BAR, text: 'prod awaits approval' },
      { waitForText: BADGE, text: '1' },
      { waitForText: TOASTS, text: 'promote' },
    ]);
    const started = Date.now();
    await waitFor('20 s to pass with the approval waiting', () => (Date.now() - started > 21_000 ? true : undefined), { timeoutMs: 30_000, intervalMs: 500 });
    const seen = await onPage('workbench', [
      { text: TOASTS, as: 'toasts' },
      { text: STATUS_BAR, as: 'status' },
      { text: BADGE, as: 'badge' },
      { screenshot: '18-10-approval-visible' },
    ]);
    assert.match(seen.texts.toasts, /shelf-shop: promote [0-9a-f]{8} to prod\?/, 'the notification is still on screen after 20 s');
    assert.match(seen.texts.toasts, /Review…/);
    assert.match(seen.texts.status, /prod awaits approval/);
    assert.equal(seen.texts.badge.trim(), '1');
  });

  it('17: Approve Promotion from the palette opens the review; Approve with a comment records the decision with the evidence digest', async () => {
    const pending = await findPendingApproval(dir, 'prod');
    assert.ok(pending, 'prod still waits');
    await onPage('workbench', [
      { press: 'F1' },
      { type: '.quick-input-widget input', text: 'Stagecraft: Approve Promotion' },
      { waitForText: '.quick-input-widget .monaco-list-row', text: 'Approve Promotion' },
      { press: 'Enter' },
    ]);
    await vscode.commands.executeCommand('workbench.action.closePanel'); // the run's output would cover the review
    const page = await onPage('review', [
      { waitFor: '#approve' },
      { focused: 'first' },
      { text: '#commits-title', as: 'commitsTitle' },
      { text: 'section[aria-labelledby="commits-title"]', as: 'commits' },
      { text: 'section[aria-labelledby="config-title"]', as: 'config' },
      { text: 'section[aria-labelledby="checks-title"]', as: 'checks' },
      { text: '#digest', as: 'digest' },
      { screenshot: '17-review-panel' },
    ]);
    assert.equal(page.focused.first, 'approve', 'Approve has the focus when the review opens');
    assert.match(page.texts.commitsTitle, /Commits \(2\)/);
    assert.match(page.texts.commits, /Price the shelves — Review Tester/);
    assert.match(page.texts.commits, /Put the shop on shelves — Review Tester/);
    assert.match(page.texts.config, /Configuration dev → prod/);
    assert.match(page.texts.config, /env API_KEY: \(not set\) → secret "PROD_API_KEY"/);
    assert.match(page.texts.config, /env GREETING: "hello from dev" → \(not set\)/);
    assert.match(page.texts.checks, /Secret scan|secret/i);
    assert.match(page.texts.digest, /^sha256:[0-9a-f]{64}$/);

    const workbench = vscode.workspace.getConfiguration('workbench');
    const theme = workbench.inspect<string>('colorTheme')?.globalValue;
    try {
      await workbench.update('colorTheme', 'Default High Contrast', vscode.ConfigurationTarget.Global);
      await onPage('review', [{ waitFor: '#approve' }, { screenshot: '17-review-panel-hc' }]);
    } finally {
      await workbench.update('colorTheme', theme, vscode.ConfigurationTarget.Global);
    }

    // Keyboard only: from the comment, Tab reaches Approve and Reject.
    await onPage('review', [{ type: '#comment', text: 'evidence checked' }, { tabUntil: 'reject', as: 'tabs' }, { click: '#approve' }]);
    const approval = await waitFor(
      'the decision in the run record',
      async () => (await readRun(dir, pending.runId)).steps.find(s => s.id === 'stage:prod:approval')?.approval?.decision ? (await readRun(dir, pending.runId)).steps.find(s => s.id === 'stage:prod:approval')!.approval : undefined,
      SLOW,
    );
    assert.equal(approval?.decision, 'approved');
    assert.equal(approval?.by, 'Review Tester');
    assert.equal(approval?.comment, 'evidence checked');
    assert.equal(approval?.evidenceDigest, page.texts.digest, 'the digest of the evidence the page showed');
    assert.match(approval?.evidenceDigest ?? '', /^sha256:/);
    assert.notEqual(approval?.evidenceDigest, evidenceDigest({}));
    await run;

    await onPage('workbench', [
      { waitForNotText: STATUS_BAR, text: 'awaits approval' },
      { waitForNotText: BADGE, text: '1' },
    ]);
  });
});
