import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Stack } from '../../core/model';
import { listRuns, pendingApprovalsOf, type PendingApproval } from '../../core/pipeline';
import { COMMANDS, CONTEXT_KEYS } from '../ids';
import type { ExtensionLog } from '../log';
import type { StackWorkspace } from '../stackWorkspace';
import { watchStateFiles } from '../stateWatch';

export interface WaitingApproval {
  stack: Stack;
  pending: PendingApproval;
}

/** How many of a stack's latest runs are looked at: a wait older than that has long expired. */
const RECENT_RUNS = 20;

/**
 * Keeps a waiting approval in sight however it was started (this window, a terminal, CI): a status
 * bar item ("$(bell) prod awaits approval") that opens the review, and a badge on the Stagecraft
 * view, both from the run records, both gone once nothing waits.
 */
export class WaitingApprovals implements vscode.Disposable {
  private readonly statusBar = vscode.window.createStatusBarItem('stagecraft.approvals', vscode.StatusBarAlignment.Left, 50);
  private readonly changed = new vscode.EventEmitter<{ waiting: WaitingApproval[]; since: number }>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private current: WaitingApproval[] = [];
  private timer: NodeJS.Timeout | undefined;
  private generation = 0;
  /** Fires after each look at the run records, with what waits now and when the look began. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly workspace: StackWorkspace,
    private readonly log: ExtensionLog,
    private readonly view?: vscode.TreeView<unknown>,
  ) {
    this.statusBar.name = 'Stagecraft approvals';
    this.subscriptions.push(
      watchStateFiles('runs/*/run.json', () => this.schedule()),
      watchStateFiles('runs/*/approvals/*.json', () => this.schedule()),
      workspace.onDidChange(() => this.schedule()),
    );
    this.schedule(0);
  }

  get waiting(): readonly WaitingApproval[] {
    return this.current;
  }

  /** Looks again soon (run.json is rewritten at every step: once the writes settle). */
  schedule(delayMs = 150): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh().catch(err => this.log.warn(`Looking for waiting approvals: ${(err as Error).message}`));
    }, delayMs);
  }

  async refresh(): Promise<WaitingApproval[]> {
    const generation = ++this.generation;
    const since = Date.now();
    const found: WaitingApproval[] = [];
    for (const stack of await this.workspace.stacks()) {
      for (const run of await listRuns(stack.root, { limit: RECENT_RUNS }).catch(() => [])) {
        for (const pending of pendingApprovalsOf(run).filter(p => p.live)) found.push({ stack, pending });
      }
    }
    if (generation !== this.generation) return this.current; // a newer look is under way
    this.current = found;
    this.render();
    this.changed.fire({ waiting: found, since });
    return found;
  }

  private render(): void {
    const w = this.current;
    // The tree's key comes from the providers' status, which says nothing of a local stage that waits.
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.approvalRecorded, w.length > 0);
    if (w.length === 0) {
      this.statusBar.hide();
      if (this.view) this.view.badge = undefined;
      return;
    }
    const one = w.length === 1 ? w[0] : undefined;
    const text = one ? `${one.pending.stage} awaits approval` : `${w.length} promotions await approval`;
    const details = w.map(a => `${a.stack.name}: ${a.pending.stage} ← ${a.pending.commit.slice(0, 8)} (run ${a.pending.runId}, until ${a.pending.expiresAt})`).join('\n');
    this.statusBar.text = `$(bell) ${text}`;
    this.statusBar.tooltip = `${details}\nClick to review`;
    this.statusBar.accessibilityInformation = { label: `Stagecraft: ${text}. Click to review.` };
    this.statusBar.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    this.statusBar.command = {
      title: 'Review Promotion',
      command: COMMANDS.approvePromotion,
      arguments: one ? [{ stackRoot: one.stack.root, stage: one.pending.stage, runId: one.pending.runId }] : [],
    };
    this.statusBar.show();
    if (this.view) this.view.badge = { value: w.length, tooltip: `${text} (${w.map(a => `${path.basename(a.stack.root)}/${a.pending.stage}`).join(', ')})` };
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.statusBar.dispose();
    this.changed.dispose();
    if (this.view) this.view.badge = undefined;
  }
}
