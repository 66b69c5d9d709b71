import * as vscode from 'vscode';
import { parseStackFile } from '../../core/config/load';
import { DRIFT_CODE, stageDrift } from '../../core/lint/drift';
import { applyDriftFix, driftFixTitle } from '../../core/lint/driftFix';

/** "Copy GREETING from test" on a drift warning of stagecraft.yaml: an edit the user saves. */
export class DriftCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const ours = context.diagnostics.filter(d => d.source === 'stagecraft' && d.code === DRIFT_CODE);
    if (ours.length === 0) return [];
    const text = document.getText();
    const stack = parseStackFile(text, document.uri.fsPath).stack;
    if (!stack) return [];
    const findings = stageDrift(stack.stages);
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of ours) {
      const finding = findings.find(f => diagnostic.message.endsWith(f.message));
      if (!finding) continue;
      const action = new vscode.CodeAction(driftFixTitle(finding), vscode.CodeActionKind.QuickFix);
      action.diagnostics = [diagnostic];
      action.edit = new vscode.WorkspaceEdit();
      action.edit.replace(document.uri, new vscode.Range(document.positionAt(0), document.positionAt(text.length)), applyDriftFix(text, document.uri.fsPath, finding));
      actions.push(action);
    }
    return actions;
  }
}
