import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { STACK_FILE } from '../../core/config/load';
import { toStagecraftError } from '../../core/errors';
import { CFN_LINT_INSTALL_HINT, runCfnLint } from '../../core/lint/cfnLint';
import { isUnderTemplatesDir, looksLikeCloudFormation, templatesNamedInStackFile } from '../../core/lint/templates';
import type { ExtensionLog } from '../log';
import { PerDocumentRunner } from './debounce';
import { rootOf } from './secretDiagnostics';
import { readScanSettings } from './settings';

export const CFN_LINT_DIAGNOSTIC_SOURCE = 'cfn-lint';

/**
 * cfn-lint's findings on CloudFormation templates (under `templates/`, or named in
 * stagecraft.yaml), on open and on save. cfn-lint is a Python tool that may not be installed:
 * then one note says how to install it, once per session, and templates are left alone.
 */
export class CfnLintDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('stagecraft-cfn-lint');
  private readonly runner = new PerDocumentRunner(400);
  private readonly disposables: vscode.Disposable[] = [this.collection, this.runner];
  private noted = false;

  constructor(private readonly log: ExtensionLog) {
    this.disposables.push(
      vscode.workspace.onDidSaveTextDocument(d => void this.schedule(d)),
      vscode.workspace.onDidOpenTextDocument(d => void this.schedule(d)),
      vscode.workspace.onDidCloseTextDocument(d => {
        this.runner.cancel(d.uri.toString());
        this.collection.delete(d.uri);
      }),
    );
  }

  rescanOpenDocuments(): void {
    for (const d of vscode.workspace.textDocuments) void this.schedule(d);
  }

  private async schedule(document: vscode.TextDocument): Promise<void> {
    if (document.uri.scheme !== 'file') return;
    const command = readScanSettings(document.uri).cfnLintPath;
    if (!command || !(await isTemplate(document))) return;
    this.runner.schedule(document.uri.toString(), signal => this.lint(document, command, signal));
  }

  private async lint(document: vscode.TextDocument, command: string, signal: AbortSignal): Promise<void> {
    const root = rootOf(document.uri);
    try {
      const result = await runCfnLint(root, [document.uri.fsPath], { command, signal });
      if (signal.aborted || document.isClosed) return;
      if (!result.available) {
        this.collection.delete(document.uri);
        this.noteMissing(result.reason);
        return;
      }
      this.collection.set(
        document.uri,
        result.problems.map(p => {
          const start = new vscode.Position(p.line - 1, p.column - 1);
          const end = new vscode.Position(p.endLine - 1, Math.max(p.endColumn - 1, p.line === p.endLine ? p.column : 0));
          const severity = p.level === 'error' ? vscode.DiagnosticSeverity.Error : p.level === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
          const d = new vscode.Diagnostic(new vscode.Range(start, end), p.message, severity);
          d.source = CFN_LINT_DIAGNOSTIC_SOURCE;
          d.code = p.rule;
          return d;
        }),
      );
    } catch (err) {
      const e = toStagecraftError(err);
      if (!e.cancelled) this.log.warn(`cfn-lint on ${document.uri.fsPath}: ${e.message}`);
    }
  }

  private noteMissing(reason: string): void {
    this.log.info(`Template lint skipped: ${reason}`);
    if (this.noted) return;
    this.noted = true;
    void vscode.window.showInformationMessage(`CloudFormation templates are not linted on save: ${reason} Install it with \`${CFN_LINT_INSTALL_HINT}\`, or set "stagecraft.scan.cfnLintPath".`);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** Under `templates/` of the stack's folder, or named in its stagecraft.yaml and shaped like a template. */
async function isTemplate(document: vscode.TextDocument): Promise<boolean> {
  const root = rootOf(document.uri);
  const rel = path.relative(root, document.uri.fsPath).split(path.sep).join('/');
  if (rel.startsWith('../') || rel === STACK_FILE) return false;
  if (isUnderTemplatesDir(rel)) return true;
  const stackText = await fs.readFile(path.join(root, STACK_FILE), 'utf8').catch(() => undefined);
  if (!stackText || !templatesNamedInStackFile(stackText).includes(rel)) return false;
  return looksLikeCloudFormation(document.getText());
}
