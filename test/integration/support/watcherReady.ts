import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

/**
 * VS Code starts its recursive watcher of the workspace folders a few seconds after the window
 * opens (seen here: 3–5 s); file changes before that reach no FileSystemWatcher. Tests of the
 * tree's refresh-on-change must not start earlier, so this writes a probe file into each folder
 * until a watcher reports it.
 */
export async function waitForWorkspaceWatcher(timeoutMs = 30_000): Promise<void> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter(f => f.uri.scheme === 'file');
  if (folders.length === 0) return;
  const name = '.stagecraft-watcher-probe';
  const watcher = vscode.workspace.createFileSystemWatcher(`**/${name}`, false, true, true);
  const pending = new Set(folders.map(f => path.join(f.uri.fsPath, name)));
  const subscription = watcher.onDidCreate(uri => pending.delete(uri.fsPath));
  const deadline = Date.now() + timeoutMs;
  try {
    while (pending.size > 0) {
      if (Date.now() > deadline) throw new Error(`VS Code's file watcher reported nothing for ${[...pending].join(', ')} within ${timeoutMs} ms`);
      // Re-create the probes each round: a file written before the watcher started is never reported.
      await Promise.all([...pending].map(async file => {
        await fs.rm(file, { force: true });
        await fs.writeFile(file, 'probe\n');
      }));
      await new Promise(resolve => setTimeout(resolve, 250));
    }
  } finally {
    subscription.dispose();
    watcher.dispose();
    await Promise.all(folders.map(f => fs.rm(path.join(f.uri.fsPath, name), { force: true })));
  }
}
