import * as vscode from 'vscode';
import { registerCommand } from '../commandWrapper';
import { COMMANDS } from '../ids';
import type { ExtensionLog } from '../log';
import type { StackWorkspace } from '../stackWorkspace';
import { CfnLintDiagnostics } from './cfnLintDiagnostics';
import { DockerfileDiagnostics } from './dockerfileDiagnostics';
import { MOVE_SOURCE_SECRET_COMMAND, MOVE_TO_STAGE_SECRET_COMMAND, RESCAN_DOCUMENT_COMMAND, SecretCodeActions, type MoveToSecretArgs } from './codeActions';
import { installHookCommand, refreshInstalledHooks } from './hookCommand';
import { moveSourceSecret, moveToStageSecret } from './moveToSecret';
import { SecretDiagnostics } from './secretDiagnostics';

/** How long after activation the already-open files are scanned: activation itself never loads secretlint. */
const INITIAL_SCAN_DELAY_MS = 1500;

/**
 * Secret scanning and template lint in the editor: diagnostics on open and save, the quick
 * fixes, and "Install Pre-commit Hook". Everything is owned by `context.subscriptions`.
 */
export function registerScanning(context: vscode.ExtensionContext, log: ExtensionLog, workspace: StackWorkspace): void {
  const secrets = new SecretDiagnostics(log);
  const templates = new CfnLintDiagnostics(log);
  const dockerfiles = new DockerfileDiagnostics();
  context.subscriptions.push(
    secrets,
    templates,
    dockerfiles,
    vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, new SecretCodeActions(), { providedCodeActionKinds: SecretCodeActions.kinds }),
  );
  registerCommand(context, log, COMMANDS.installPrecommitHook, (arg?: unknown) => installHookCommand(context, log, arg));
  registerCommand(context, log, MOVE_TO_STAGE_SECRET_COMMAND, async (args: MoveToSecretArgs) => {
    await moveToStageSecret(workspace, log, args);
    secrets.rescan(await vscode.workspace.openTextDocument(args.uri));
  });
  registerCommand(context, log, MOVE_SOURCE_SECRET_COMMAND, async (args: MoveToSecretArgs) => {
    await moveSourceSecret(workspace, log, args);
    secrets.rescan(await vscode.workspace.openTextDocument(args.uri));
  });
  registerCommand(context, log, RESCAN_DOCUMENT_COMMAND, async (uri: vscode.Uri) => secrets.rescan(await vscode.workspace.openTextDocument(uri)));

  const timer = setTimeout(() => {
    secrets.rescanOpenDocuments();
    templates.rescanOpenDocuments();
    dockerfiles.rescanOpenDocuments();
    void refreshInstalledHooks(context, log);
  }, INITIAL_SCAN_DELAY_MS);
  context.subscriptions.push({ dispose: () => clearTimeout(timer) });
}
