import * as path from 'node:path';
import * as vscode from 'vscode';
import { StagecraftError } from '../../core/errors';
import { installPrecommitHook, refreshHookRunner, type CliLocation } from '../../git/hooks';
import type { ExtensionLog } from '../log';
import type { StagecraftNode } from '../tree';

/**
 * What the hook runs when installed from VS Code: the extension's own bundled CLI, with VS
 * Code's binary as node (ELECTRON_RUN_AS_NODE) unless the host already is plain node
 * (code-server). Both exist while VS Code is installed, running or not.
 */
export function extensionCliLocation(context: vscode.ExtensionContext): CliLocation {
  return { node: process.execPath, cli: path.join(context.extensionPath, 'dist', 'cli.js'), electron: Boolean(process.versions.electron) };
}

/** Install Pre-commit Hook: into the folder of the stack it was invoked on, else the one folder or a picked one. */
export async function installHookCommand(context: vscode.ExtensionContext, log: ExtensionLog, arg?: unknown): Promise<void> {
  const folder = await pickFolder(arg);
  const runner = extensionCliLocation(context);
  const result = await installPrecommitHook(folder.fsPath, runner);
  log.info(`Pre-commit hook ${result.updated ? 'updated' : 'installed'}: ${result.file} (${result.mode}); runs ${runner.cli}`);
  const chained = result.chained ? ` Your existing hook is kept (${path.basename(result.chained)}) and runs first.` : '';
  void vscode.window.showInformationMessage(
    `Stagecraft pre-commit hook ${result.updated ? 'updated' : 'installed'} in ${path.relative(folder.fsPath, result.file) || result.file}.${chained} Commits holding secrets are blocked; \`git commit --no-verify\` skips the check knowingly.`,
  );
  if (result.warning) void vscode.window.showWarningMessage(result.warning);
}

/**
 * Each extension update lands in a new folder, which would leave an installed hook pointing at
 * a CLI that is gone (it would then fall back, or block with a message). Re-point it quietly.
 */
export async function refreshInstalledHooks(context: vscode.ExtensionContext, log: ExtensionLog): Promise<void> {
  const runner = extensionCliLocation(context);
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    if (folder.uri.scheme !== 'file') continue;
    try {
      if (await refreshHookRunner(folder.uri.fsPath, runner)) log.info(`Pre-commit hook in ${folder.name} now runs ${runner.cli}`);
    } catch {
      // Not a repository, or no hook: nothing to refresh.
    }
  }
}

async function pickFolder(arg: unknown): Promise<vscode.Uri> {
  const node = arg as StagecraftNode | undefined;
  if (node && typeof node === 'object' && 'folder' in node && node.folder?.folder) return node.folder.folder.uri;
  if (arg instanceof vscode.Uri) return arg;
  const folders = (vscode.workspace.workspaceFolders ?? []).filter(f => f.uri.scheme === 'file');
  if (folders.length === 0) throw new StagecraftError('Open the folder of a git repository first: the hook protects its commits.', { kind: 'input' });
  if (folders.length === 1) return folders[0].uri;
  const picked = await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Install the pre-commit hook in which repository?' });
  if (!picked) throw StagecraftError.cancelled('Install Pre-commit Hook');
  return picked.uri;
}
