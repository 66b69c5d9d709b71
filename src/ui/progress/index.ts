import * as vscode from 'vscode';
import type { ExtensionLog } from '../log';
import type { StackWorkspace } from '../stackWorkspace';
import { ApprovalPrompts } from './approvalPrompts';
import { watchApprovals } from './approvalWatcher';
import { RunProgress, SHOW_RUN_OUTPUT } from './runProgress';

export { ApprovalPrompts, type ApprovalRequest } from './approvalPrompts';
export { RunProgress, type PresenterOptions } from './runProgress';
export { RunOutputFormat } from './runOutputFormat';
export { changesDocument, type PromotionRef } from './changesDocument';

/**
 * Live progress of pipeline runs: per-run output channels and the status bar item (through
 * `RunProgress.presenter(stack)` for runs started in this window), and approval notifications with
 * Approve, Reject and Show Changes, also for runs started elsewhere (the CLI in a terminal).
 */
export function registerRunProgress(context: vscode.ExtensionContext, log: ExtensionLog, workspace: StackWorkspace): RunProgress {
  const prompts = new ApprovalPrompts(log);
  const progress = new RunProgress(prompts);
  context.subscriptions.push(
    prompts,
    progress,
    vscode.commands.registerCommand(SHOW_RUN_OUTPUT, (runId?: string) => progress.show(runId)),
    watchApprovals(workspace, prompts, log, runId => progress.isTracked(runId)),
  );
  return progress;
}
