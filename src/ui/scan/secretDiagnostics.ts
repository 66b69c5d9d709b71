import * as path from 'node:path';
import * as vscode from 'vscode';
import { toStagecraftError } from '../../core/errors';
import { loadIgnoreFilter } from '../../core/scan/ignore';
import { DEFAULT_MAX_FILE_BYTES, scanText, skipReason, type Finding } from '../../core/scan';
import type { ExtensionLog } from '../log';
import { PerDocumentRunner } from './debounce';
import { readScanSettings } from './settings';

export const SECRET_DIAGNOSTIC_SOURCE = 'stagecraft secrets';

/**
 * Secrets found in open files, as Error diagnostics at the exact range of each secret. Scans run
 * when a file is opened or saved (never while typing), debounced per file, and a newer save
 * cancels an older scan. Binary, very large and generated files, and those the root's
 * `.secretlintignore` leaves out, are not scanned.
 */
export class SecretDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('stagecraft-secrets');
  private readonly runner = new PerDocumentRunner(250);
  private readonly disposables: vscode.Disposable[] = [this.collection, this.runner];
  private warnedFailure = false;

  constructor(private readonly log: ExtensionLog) {
    this.disposables.push(
      vscode.workspace.onDidSaveTextDocument(d => this.schedule(d)),
      vscode.workspace.onDidOpenTextDocument(d => this.schedule(d)),
      vscode.workspace.onDidCloseTextDocument(d => {
        this.runner.cancel(d.uri.toString());
        this.collection.delete(d.uri);
      }),
      vscode.workspace.onDidChangeConfiguration(e => {
        if (e.affectsConfiguration('stagecraft.scan.onSave')) this.rescanOpenDocuments();
      }),
    );
  }

  /** Scans the documents already open (after activation, so activation never loads secretlint). */
  rescanOpenDocuments(): void {
    for (const d of vscode.workspace.textDocuments) this.schedule(d);
  }

  /** Scans a document now (after a quick fix changed it, before it is saved). */
  rescan(document: vscode.TextDocument): void {
    this.schedule(document);
  }

  private schedule(document: vscode.TextDocument): void {
    if (document.uri.scheme !== 'file') return;
    if (!readScanSettings(document.uri).onSave) {
      this.collection.delete(document.uri);
      return;
    }
    this.runner.schedule(document.uri.toString(), signal => this.scan(document, signal));
  }

  private async scan(document: vscode.TextDocument, signal: AbortSignal): Promise<void> {
    try {
      const root = rootOf(document.uri);
      const file = path.relative(root, document.uri.fsPath).split(path.sep).join('/');
      const text = document.getText();
      if (document.isClosed || skipReason(file, Buffer.byteLength(text.slice(0, DEFAULT_MAX_FILE_BYTES + 1)), text) || (await loadIgnoreFilter(root))(file)) {
        this.collection.delete(document.uri);
        return;
      }
      const findings = await scanText(root, file, text, { signal });
      if (signal.aborted || document.isClosed) return;
      this.collection.set(document.uri, findings.map(f => toDiagnostic(document, f)));
    } catch (err) {
      const e = toStagecraftError(err);
      if (e.cancelled) return;
      this.log.error(`Secret scan of ${document.uri.fsPath} failed: ${e.message}`, e.cause);
      if (!this.warnedFailure) {
        this.warnedFailure = true;
        void vscode.window.showWarningMessage(`Stagecraft could not scan ${path.basename(document.uri.fsPath)} for secrets: ${e.message}${e.hint ? ` ${e.hint}` : ''}`);
      }
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** The workspace folder holding the file (its .secretlintrc and .secretlintignore apply), else the file's folder. */
export function rootOf(uri: vscode.Uri): string {
  return vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
}

function toDiagnostic(document: vscode.TextDocument, f: Finding): vscode.Diagnostic {
  const range = new vscode.Range(document.positionAt(f.start), document.positionAt(f.end));
  const severity = f.severity === 'error' ? vscode.DiagnosticSeverity.Error : f.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
  const d = new vscode.Diagnostic(range, f.message, severity);
  d.source = SECRET_DIAGNOSTIC_SOURCE;
  d.code = f.docsUrl ? { value: f.ruleId, target: vscode.Uri.parse(f.docsUrl) } : f.ruleId;
  return d;
}
