import * as vscode from 'vscode';
import { stateDir } from '../core/workspace';

/**
 * Watches files in the state folder of every workspace folder. State lives outside the workspace
 * (see core/workspace.ts), so a plain `**` glob would never see it: each folder gets a watcher based
 * at its own state folder, and the callback learns which workspace root the file belongs to.
 * Re-created when folders or the state-folder setting change.
 */
export function watchStateFiles(pattern: string, onEvent: (root: string, uri: vscode.Uri) => void): vscode.Disposable {
  let current: vscode.Disposable[] = [];
  const build = () => {
    for (const d of current) d.dispose();
    current = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      const root = folder.uri.fsPath;
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(stateDir(root)), pattern));
      const fire = (uri: vscode.Uri) => onEvent(root, uri);
      current.push(watcher, watcher.onDidCreate(fire), watcher.onDidChange(fire), watcher.onDidDelete(fire));
    }
  };
  build();
  const listeners = [
    vscode.workspace.onDidChangeWorkspaceFolders(build),
    vscode.workspace.onDidChangeConfiguration(e => {
      if (e.affectsConfiguration('stagecraft.stateHome')) build();
    }),
  ];
  return new vscode.Disposable(() => {
    for (const d of [...current, ...listeners]) d.dispose();
  });
}
