import * as vscode from 'vscode';

/**
 * Replaces a document's text with `next` by editing only the span that differs, through the
 * editor (so unsaved edits in an open editor are the base, and Undo works), then saves it.
 */
export async function applyTextChange(uri: vscode.Uri, compute: (current: string) => string): Promise<void> {
  const document = await vscode.workspace.openTextDocument(uri);
  const current = document.getText();
  const next = compute(current);
  if (next === current) return;
  let start = 0;
  while (start < current.length && start < next.length && current[start] === next[start]) start++;
  let endCurrent = current.length;
  let endNext = next.length;
  while (endCurrent > start && endNext > start && current[endCurrent - 1] === next[endNext - 1]) {
    endCurrent--;
    endNext--;
  }
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, new vscode.Range(document.positionAt(start), document.positionAt(endCurrent)), next.slice(start, endNext));
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`Could not edit ${uri.fsPath}.`);
  await document.save();
}
