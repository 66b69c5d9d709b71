import * as path from 'node:path';
import * as vscode from 'vscode';
import { analyseDockerfile, type CompatFinding } from '../../core/processMode';

export const DOCKERFILE_DIAGNOSTIC_SOURCE = 'stagecraft process mode';

/** `Dockerfile`, `Dockerfile.dev`, `api.Dockerfile`, `build.dockerfile`. */
export function isDockerfileName(fsPath: string): boolean {
  const name = path.basename(fsPath).toLowerCase();
  return name === 'dockerfile' || name.startsWith('dockerfile.') || name.endsWith('.dockerfile');
}

/**
 * The process-mode compatibility report (the one `stagecraft validate` prints) as Problems on a
 * Dockerfile, on open and on save: refusals are errors, skipped instructions warnings, emulated ones
 * information.
 */
export class DockerfileDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('stagecraft-dockerfile');
  private readonly disposables: vscode.Disposable[] = [this.collection];

  constructor() {
    this.disposables.push(
      vscode.workspace.onDidSaveTextDocument(d => this.check(d)),
      vscode.workspace.onDidOpenTextDocument(d => this.check(d)),
      vscode.workspace.onDidCloseTextDocument(d => this.collection.delete(d.uri)),
    );
  }

  rescanOpenDocuments(): void {
    for (const d of vscode.workspace.textDocuments) this.check(d);
  }

  check(document: vscode.TextDocument): void {
    if (document.uri.scheme !== 'file' || !isDockerfileName(document.uri.fsPath)) return;
    this.collection.set(document.uri, analyseDockerfile(document.getText()).findings.map(toDiagnostic));
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function toDiagnostic(f: CompatFinding): vscode.Diagnostic {
  const range = new vscode.Range(f.line - 1, f.column - 1, f.line - 1, Math.max(f.endColumn - 1, f.column));
  const severity = f.action === 'refuse' ? vscode.DiagnosticSeverity.Error : f.action === 'skip' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
  const verb = f.action === 'refuse' ? 'Process mode cannot run this' : f.action === 'skip' ? 'Skipped in process mode' : 'Emulated in process mode';
  const d = new vscode.Diagnostic(range, `${verb}: ${f.reason} Fix: ${f.fix}`, severity);
  d.source = DOCKERFILE_DIAGNOSTIC_SOURCE;
  d.code = f.action;
  return d;
}
