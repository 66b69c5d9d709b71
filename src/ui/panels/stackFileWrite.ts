import type * as vscode from 'vscode';
import { editStackText, type StackFilePort } from '../../protocol/host/stackFile';
import { applyTextChange } from '../fileEdits';
import type { StackWorkspace } from '../stackWorkspace';
import { currentStack } from './stageRef';

/**
 * stagecraft.yaml for the panels' handlers, through the editor: an edit starts from the open
 * document's text (unsaved changes included), goes through the editor (so Undo works), is saved,
 * and the tree reads the file again.
 */
export function editorStackPort(workspace: StackWorkspace, file: vscode.Uri): StackFilePort {
  return {
    stack: async () => (await currentStack(workspace, file)).stack,
    async edit(what, change) {
      await applyTextChange(file, current => editStackText(current, file.fsPath, what, change));
      workspace.refresh();
    },
  };
}
