import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { ProviderLookup } from '../core/providerModule';
import { migrateLegacyState, stateInUseBy } from '../core/stateMigration';
import { KEEP_VARIABLE } from '../core/retention';
import { legacyStateDir, STATE_HOME_VARIABLE } from '../core/workspace';
import type { ExtensionLog } from './log';
import { readSettings } from './settings';

/**
 * The `stagecraft.stateHome` setting reaches core, the stage daemons and the CLI the same way the
 * CLI reads it: as STAGECRAFT_HOME in this process's environment (inherited by every child) and in
 * the environment of the integrated terminals, so `stagecraft` typed there finds the same folder.
 */
export function applyStateHomeSetting(context: vscode.ExtensionContext): void {
  const inherited = process.env[STATE_HOME_VARIABLE];
  const apply = () => {
    const value = readSettings().stateHome.trim();
    if (value) {
      process.env[STATE_HOME_VARIABLE] = value;
      context.environmentVariableCollection.replace(STATE_HOME_VARIABLE, value);
    } else {
      if (inherited === undefined) delete process.env[STATE_HOME_VARIABLE];
      else process.env[STATE_HOME_VARIABLE] = inherited;
      context.environmentVariableCollection.delete(STATE_HOME_VARIABLE);
    }
  };
  const applyKeep = () => {
    // Retention runs in core and in the stage processes alike: it reads STAGECRAFT_KEEP.
    process.env[KEEP_VARIABLE] = String(readSettings().keepArtifacts);
  };
  apply();
  applyKeep();
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(e => {
      if (e.affectsConfiguration('stagecraft.stateHome')) apply();
      if (e.affectsConfiguration('stagecraft.retention.keep')) applyKeep();
    }),
  );
}

/** Moves an old `.stagecraft/` of each workspace folder out of the repository (once; lazily loaded). */
export async function migrateWorkspaceState(log: ExtensionLog, providers: ProviderLookup): Promise<void> {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    if (folder.uri.scheme !== 'file' || !existsSync(legacyStateDir(folder.uri.fsPath))) continue;
    const result = await migrateLegacyState(folder.uri.fsPath, { inUse: stateInUseBy(providers), say: line => log.info(line) });
    if (result.outcome === 'moved') void vscode.window.showInformationMessage(`Stagecraft moved its state out of ${folder.name} to ${result.to}.`);
  }
}

/**
 * Notices the core and providers raise as process warnings of type "Stagecraft" (for example the
 * fallback from the OS credential store to files) reach the user once, through the extension's log
 * and a message, instead of the extension host's console.
 */
export function forwardStagecraftNotices(context: vscode.ExtensionContext, log: ExtensionLog): void {
  const onWarning = (warning: Error) => {
    if (warning.name !== 'Stagecraft') return;
    log.warn(warning.message);
    void vscode.window.showWarningMessage(warning.message);
  };
  process.on('warning', onWarning);
  context.subscriptions.push({ dispose: () => process.off('warning', onWarning) });
}
