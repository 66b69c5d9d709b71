import * as vscode from 'vscode';
import { registerLocalProvider } from './local/register';
import { registerAws } from './ui/aws';
import { onDidReportError } from './ui/commandWrapper';
import { registerPipelineCommands } from './ui/commands/pipelineCommands';
import { registerStackCommands } from './ui/commands/stackCommands';
import { registerTailLogs } from './ui/logs';
import { registerPanels } from './ui/panels';
import { registerRunProgress } from './ui/progress';
import { registerScanning } from './ui/scan';
import { VIEWS } from './ui/ids';
import { ExtensionLog } from './ui/log';
import { StackWorkspace } from './ui/stackWorkspace';
import { StacksTreeProvider } from './ui/tree';
import { registerCliOnTerminalPath } from './ui/terminalPath';
import { registerGettingStarted } from './ui/gettingStarted';

/** What activate() hands back: used by the integration tests and the activation benchmark. */
export interface StagecraftApi {
  activatedAt: number;
  /** Resolves with the number of root items once the tree has first produced them. */
  firstTreeItems: Promise<number>;
  /** When VS Code first asked the tree for items and when they were ready, for the activation benchmark. */
  firstTreeItemsTiming: { requestedAt?: number; readyAt?: number };
  workspace: StackWorkspace;
  tree: StacksTreeProvider;
  /** Fires with each error message the command wrapper shows. */
  onDidReportError: typeof onDidReportError;
}

/**
 * Activation stays cheap: it wires the tree and the commands; stack files are read when the
 * tree first asks, and heavy modules (AWS SDK, secretlint) load on first use elsewhere.
 */
export function activate(context: vscode.ExtensionContext): StagecraftApi {
  const activatedAt = Date.now();
  registerLocalProvider();
  const log = new ExtensionLog();
  const workspace = new StackWorkspace(log);
  const tree = new StacksTreeProvider(workspace);
  const view = vscode.window.createTreeView(VIEWS.stacks, { treeDataProvider: tree, showCollapseAll: true });
  context.subscriptions.push(log, workspace, tree, view);
  registerStackCommands(context, log, workspace);
  registerTailLogs(context, log, workspace);
  const runProgress = registerRunProgress(context, log, workspace);
  registerPipelineCommands(context, log, workspace, runProgress);
  registerPanels(context, log, workspace);
  registerScanning(context, log, workspace);
  registerAws(context, log, workspace);
  registerCliOnTerminalPath(context, log);
  registerGettingStarted(context, log);
  // Read the stack files now so the tree and the welcome view have an answer when shown.
  void workspace.all();
  log.info(`Activated in ${Date.now() - activatedAt} ms`);
  return { activatedAt, firstTreeItems: tree.firstItemsShown, firstTreeItemsTiming: tree.firstItemsTiming, workspace, tree, onDidReportError };
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions.
}
