import * as vscode from 'vscode';
import { rewriteStackFile } from '../../core/config/update';
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
      const disk = new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
      const open = vscode.workspace.textDocuments.find(d => d.uri.toString() === file.toString());
      if (open && !open.isDirty && open.getText() !== disk) {
        // The file changed on disk (git, another tool) and the editor has not caught up yet: with
        // nothing unsaved to keep, edit the file itself rather than save over newer content.
        if (file.scheme === 'file') {
          // Locked, atomic and merged with any concurrent write (core/config/update.ts).
          await rewriteStackFile(file.fsPath, text => editStackText(text, file.fsPath, what, change, workspace.providers.stackSchema()));
        } else {
          const next = editStackText(disk, file.fsPath, what, change, workspace.providers.stackSchema());
          if (next !== disk) await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(next));
        }
      } else {
        await applyTextChange(file, current => editStackText(current, file.fsPath, what, change, workspace.providers.stackSchema()));
      }
      workspace.refresh();
    },
  };
}
