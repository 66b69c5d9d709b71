import * as vscode from 'vscode';
import { registerCommand } from '../commandWrapper';
import { COMMANDS } from '../ids';
import type { ExtensionLog } from '../log';
import type { FolderStack, StackWorkspace } from '../stackWorkspace';
import { resolveStage } from '../stagePicker';
import { addStagePanel } from './addStagePanel';
import { databasePanel } from './databasePanel';
import { environmentPanel } from './environmentPanel';
import { originsPanel } from './originsPanel';
import { PanelManager, type OpenedPanel } from './panelManager';

export type { OpenedPanel } from './panelManager';

let manager: PanelManager | undefined;
let owner: { workspace: StackWorkspace; log: ExtensionLog } | undefined;

/**
 * The webview panels: Environment Variables, Origins and Database Secret (from the tree's context
 * menu, or the palette with a stage picker), and the Add Stage form that `stagecraft.addStage`
 * opens. Each command resolves to an OpenedPanel.
 */
export function registerPanels(context: vscode.ExtensionContext, log: ExtensionLog, workspace: StackWorkspace): PanelManager {
  manager = new PanelManager(context.extensionUri, workspace, log);
  owner = { workspace, log };
  context.subscriptions.push(manager, { dispose: () => ((manager = undefined), (owner = undefined)) });
  const stagePanel = (id: string, title: string, spec: typeof environmentPanel) =>
    registerCommand(context, log, id, async (arg?: unknown): Promise<OpenedPanel> => {
      const { stack, stage } = await resolveStage(workspace, arg, `${title}: which stage?`);
      const ref = { file: vscode.Uri.file(stack.file), stage: stage.name };
      return manager!.createOrShow(spec(workspace, log, ref, stack.name));
    });
  stagePanel(COMMANDS.editEnvironmentVariables, 'Edit Environment Variables', environmentPanel);
  stagePanel(COMMANDS.editOrigins, 'Edit Origins', originsPanel);
  stagePanel(COMMANDS.showDatabaseSecret, 'Show Database Secret', databasePanel);
  return manager;
}

/** Opens the Add Stage form of a stack; undefined when panels are not available (the caller then prompts). */
export function openAddStageForm(folder: FolderStack): OpenedPanel | undefined {
  if (!manager || !owner || !folder.stack) return undefined;
  return manager.createOrShow(addStagePanel(owner.workspace, owner.log, folder.file, folder.stack.name));
}
