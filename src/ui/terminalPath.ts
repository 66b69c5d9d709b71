import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeCliShim } from './cliShim';
import type { ExtensionLog } from './log';
import { readSettings } from './settings';
import { extensionCliLocation } from './scan/hookCommand';

/**
 * Puts the bundled `stagecraft` CLI on PATH in VS Code's integrated terminals (a one-line shim in
 * the extension's global storage, prepended through the environment variable collection), so the
 * README's CLI examples work in any VS Code terminal. `stagecraft.terminal.addCliToPath` turns it
 * off. Runs after activation returns: writing the shim never delays the tree.
 */
export function registerCliOnTerminalPath(context: vscode.ExtensionContext, log: ExtensionLog): void {
  const apply = async () => {
    const env = context.environmentVariableCollection;
    if (!readSettings().addCliToPath) {
      env.clear();
      return;
    }
    const dir = path.join(context.globalStorageUri.fsPath, 'bin');
    try {
      await writeCliShim(dir, extensionCliLocation(context));
      env.description = 'Puts the `stagecraft` command on PATH (setting `stagecraft.terminal.addCliToPath`).';
      env.prepend('PATH', dir + path.delimiter);
    } catch (err) {
      log.warn(`Cannot put stagecraft on the terminals' PATH (${dir}): ${(err as Error).message}`);
    }
  };
  void apply();
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(e => {
      if (e.affectsConfiguration('stagecraft.terminal.addCliToPath')) void apply();
    }),
  );
}
