import * as vscode from 'vscode';
import { registerCommand } from './commandWrapper';
import { COMMANDS, WALKTHROUGH } from './ids';
import type { ExtensionLog } from './log';

/**
 * The links of the welcome view and the walkthrough: the README and CHANGELOG shipped inside the
 * extension (rendered as Markdown previews, so they work offline and match the installed version),
 * and the walkthrough itself.
 */
export function registerGettingStarted(context: vscode.ExtensionContext, log: ExtensionLog): void {
  const preview = (name: string) => async () => vscode.commands.executeCommand('markdown.showPreview', await shipped(context.extensionUri, name));
  registerCommand(context, log, COMMANDS.openReadme, preview('README'));
  registerCommand(context, log, COMMANDS.openChangelog, preview('CHANGELOG'));
  registerCommand(context, log, COMMANDS.openWalkthrough, () => vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH, false));
}

/** vsce stores README.md and CHANGELOG.md in lower case (readme.md); a clone has them in upper case. */
async function shipped(root: vscode.Uri, name: string): Promise<vscode.Uri> {
  for (const file of [`${name}.md`, `${name.toLowerCase()}.md`]) {
    const uri = vscode.Uri.joinPath(root, file);
    if (await vscode.workspace.fs.stat(uri).then(() => true, () => false)) return uri;
  }
  throw new Error(`${name}.md is missing from the extension (${root.fsPath}); reinstall it.`);
}
