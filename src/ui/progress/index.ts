import * as vscode from 'vscode';
import { CONTEXT_KEYS } from '../ids';
import type { ExtensionLog } from '../log';
import { REVIEW_PROMOTION, ReviewPanels, type ReviewTarget } from '../review';
import type { StackWorkspace } from '../stackWorkspace';
import { ApprovalPrompts } from './approvalPrompts';
import { WaitingApprovals } from './approvalStatus';
import { watchApprovals } from './approvalWatcher';
import { RunProgress, SHOW_RUN_OUTPUT } from './runProgress';

export { ApprovalPrompts, type ApprovalRequest } from './approvalPrompts';
export { RunProgress, type PresenterOptions } from './runProgress';
export { RunOutputFormat } from './runOutputFormat';

/**
 * Live progress of pipeline runs: per-run output channels and the status bar item (through
 * `RunProgress.presenter(stack)` for runs started in this window), and approval notifications that
 * open the review panel, also for runs started elsewhere (the CLI in a terminal). While anything
 * waits for approval, a status bar item and a badge on `view` (the Stagecraft view) say so.
 */
export function registerRunProgress(context: vscode.ExtensionContext, log: ExtensionLog, workspace: StackWorkspace, view?: vscode.TreeView<unknown>): RunProgress {
  const reviews = new ReviewPanels(context.extensionUri, workspace, log);
  const prompts = new ApprovalPrompts(log, reviews);
  const progress = new RunProgress(prompts);
  const waiting = new WaitingApprovals(workspace, log, view);
  context.subscriptions.push(
    reviews,
    prompts,
    progress,
    waiting,
    vscode.commands.registerCommand(SHOW_RUN_OUTPUT, (runId?: string) => progress.show(runId)),
    // Approve/Reject Promotion open the review through this (returns false when no Stagecraft run waits there).
    vscode.commands.registerCommand(REVIEW_PROMOTION, (target: ReviewTarget) => reviews.show(target)),
    watchApprovals(workspace, prompts, log, runId => progress.isTracked(runId)),
    prompts.onDidPrompt(() => waiting.schedule()),
    waiting.onDidChange(({ waiting: found, since }) => {
      // Decided in a terminal, or expired: the notification and an open review stop asking.
      const ids = new Set(found.map(w => w.pending.requestId));
      // The palette's Approve/Reject follow the run records too, not only the tree's last refresh.
      void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.runApprovalWaiting, found.length > 0);
      prompts.settleAllBut(ids, since);
      reviews.settled(ids, since);
    }),
  );
  return progress;
}
