import * as vscode from 'vscode';
import { defaultPosition } from '../../core/config/position';
import { StagecraftError } from '../../core/errors';
import { isProtectedByDefault } from '../../core/naming';
import { addStageChoices, addStageHandlers } from '../../protocol/host/addStage';
import type { AddStageInit, PanelDraft } from '../../protocol/messages';
import { COMMANDS } from '../ids';
import type { ExtensionLog } from '../log';
import { readSettings } from '../settings';
import type { StackWorkspace } from '../stackWorkspace';
import type { PanelSpec } from './panelManager';
import { currentStack, folderOf } from './stageRef';
import { editorStackPort } from './stackFileWrite';

/** The Add Stage form of the stack in `file`: one per stack. */
export function addStagePanel(workspace: StackWorkspace, log: ExtensionLog, file: vscode.Uri, stackName: string): PanelSpec {
  const created = (name: string, close: () => void) => {
    log.info(`Added stage ${name} to ${stackName} from the Add Stage form`);
    close();
    void offerDeploy(workspace, file, name).catch(err => log.warn(`Deploy after Add Stage: ${(err as Error).message}`));
  };
  return {
    kind: 'addStage',
    key: `addStage|${file.toString()}`,
    title: `Add Stage: ${stackName}`,
    // "Save" of a half-filled Add Stage form is Create: said so in the question and on the button.
    saveOnClose: {
      question: (draft: Extract<PanelDraft, { panel: 'addStage' }>) => (draft.form.name.trim() ? `Create stage "${draft.form.name.trim()}" in ${stackName}?` : `Create the stage you started in ${stackName}?`),
      saveLabel: 'Create Stage',
      save: async (draft: Extract<PanelDraft, { panel: 'addStage' }>) => {
        await addStageHandlers(editorStackPort(workspace, file), workspace.providers, name => created(name, () => undefined))['addStage.create']!({ form: draft.form });
      },
    },
    build: panel => ({
      async loadInit(): Promise<AddStageInit> {
        const { folder, stack } = await currentStack(workspace, file);
        const settings = readSettings(folder);
        return {
          panel: 'addStage',
          stack: stack.name,
          existingStages: stack.stages.map(s => s.name),
          defaultAfter: (position => (position.first ? '' : position.after))(defaultPosition(stack.stages)),
          defaultProvider: settings.defaultProvider && workspace.providers.has(settings.defaultProvider) ? settings.defaultProvider : workspace.providers.names()[0],
          providers: addStageChoices(workspace.providers),
          protectedByDefault: ['prod', 'production'].filter(isProtectedByDefault),
        };
      },
      stillExists: async () => (await folderOf(workspace, file)) !== undefined,
      handlers: {
        ...addStageHandlers(editorStackPort(workspace, file), workspace.providers, name => created(name, () => panel.close())),
        'addStage.useQuickPick': () => {
          panel.close();
          void vscode.commands.executeCommand(COMMANDS.addStage, { quickPick: true, stackName });
          return { opened: true };
        },
        'stack.open': async () => {
          await vscode.window.showTextDocument(file, { preview: true });
          return { opened: true };
        },
      },
    }),
  };
}

/** "Stage added" with the next step: deploying it. */
async function offerDeploy(workspace: StackWorkspace, file: vscode.Uri, stageName: string): Promise<void> {
  const folder = await folderOf(workspace, file);
  const stackName = folder?.stack?.name ?? 'the stack';
  const deploy = `Deploy ${stageName}`;
  const choice = await vscode.window.showInformationMessage(`Stage "${stageName}" added to ${stackName}.`, deploy);
  if (choice !== deploy) return;
  const fresh = (await folderOf(workspace, file))?.stack;
  const stage = fresh?.stages.find(s => s.name === stageName);
  if (!fresh || !stage) throw new StagecraftError(`Stage "${stageName}" is no longer in stagecraft.yaml.`, { kind: 'input' });
  await vscode.commands.executeCommand(COMMANDS.deployStage, { kind: 'stage', stack: fresh, stage });
}
