import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { loadStackFile } from '../core/config/load';
import { toStagecraftError } from '../core/errors';
import type { ProviderLookup } from '../core/providerModule';
import type { Providers } from '../core/providers';
import { migrateLegacyState, moveRepositoryState, stateInUseBy, stateMoveHooksOf } from '../core/stateMigration';
import { KEEP_VARIABLE } from '../core/retention';
import { legacyStateDir, repositoryKey, STATE_HOME_SETTING, STATE_HOME_VARIABLE, stateHome } from '../core/workspace';
import type { ExtensionLog } from './log';
import { readSettings } from './settings';

/**
 * The `stagecraft.stateHome` setting reaches core, the stage daemons and the CLI the same way the
 * CLI reads it: as STAGECRAFT_HOME in this process's environment (inherited by every child) and in
 * the environment of the integrated terminals, so `stagecraft` typed there finds the same folder.
 */
export function applyStateHomeSetting(context: vscode.ExtensionContext, move?: { log: ExtensionLog; providers: Providers }): void {
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
      if (e.affectsConfiguration('stagecraft.stateHome')) {
        const before = stateHome();
        apply();
        const after = stateHome();
        if (move && before !== after) void offerStateMove(before, after, move.log, move.providers).catch(err => move.log.warn(`Moving Stagecraft's state: ${(err as Error).message}`));
      }
      if (e.affectsConfiguration('stagecraft.retention.keep')) applyKeep();
    }),
  );
}

/**
 * The state home changed: each workspace folder whose state is still under the old base is offered
 * a move ("Move" / "Leave"). The move is core's (all or nothing, refused while a stage runs from it);
 * a refusal or an unwritable folder is shown with its reason and what to do.
 */
async function offerStateMove(fromHome: string, toHome: string, log: ExtensionLog, providers: Providers): Promise<void> {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    if (folder.uri.scheme !== 'file') continue;
    const root = folder.uri.fsPath;
    const from = path.join(fromHome, repositoryKey(root));
    if (existsSync(legacyStateDir(root)) || !existsSync(from)) continue;
    const choice = await vscode.window.showInformationMessage(
      "Move Stagecraft's state to the new folder?",
      { detail: `The state of ${folder.name} (runs, artifacts, logs, databases, secrets) is in ${from}. The "${STATE_HOME_SETTING}" setting now points to ${toHome}; Leave keeps the old state where it is, unused.` },
      'Move',
      'Leave',
    );
    if (choice !== 'Move') {
      log.info(`Left Stagecraft's state of ${folder.name} in ${from}; \`stagecraft state move --from ${fromHome}\` moves it later.`);
      continue;
    }
    try {
      const loaded = await loadStackFile(root, providers.stackSchema()).catch(() => undefined);
      const stages = loaded?.stack?.stages.map(s => s.name) ?? [];
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Moving Stagecraft's state of ${folder.name}…` }, () =>
        moveRepositoryState(root, { fromHome, toHome, inUse: stateInUseBy(providers), prepare: stateMoveHooksOf(providers, stages), say: line => log.info(line) }),
      );
      if (result.outcome === 'moved') void vscode.window.showInformationMessage(`Moved Stagecraft's state of ${folder.name} to ${result.to}.`);
    } catch (err) {
      const e = toStagecraftError(err);
      log.warn(`Moving Stagecraft's state of ${folder.name}: ${e.message}`);
      void vscode.window.showErrorMessage(`${e.message}${e.hint ? ` ${e.hint}` : ''}`);
    }
  }
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
