import * as vscode from 'vscode';

/**
 * Replaces a document's text with `next` by editing only the span that differs, through the
 * editor (so unsaved edits in an open editor are the base, and Undo works), then saves it.
 *
 * VS Code releases a document an extension opened a while ago even while the extension uses it
 * again; its handle then answers "Document has been closed". So the save is done through a fresh
 * handle when that happens, and the edit made again if it was lost with the released document.
 */
export async function applyTextChange(uri: vscode.Uri, compute: (current: string) => string): Promise<void> {
  /** The text our edit produced, once made and not yet saved. */
  let edited: string | undefined;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const document = await vscode.workspace.openTextDocument(uri);
    if (edited === undefined || document.getText() !== edited) {
      const current = document.getText();
      const next = compute(current);
      if (next === current) return;
      if (!(await vscode.workspace.applyEdit(minimalEdit(uri, document, current, next)))) throw new Error(`Could not edit ${uri.fsPath}.`);
      edited = next;
      if (document.isClosed) continue;
    }
    try {
      await document.save();
      return;
    } catch (err) {
      if (!document.isClosed) throw err;
    }
  }
  throw new Error(`Could not save ${uri.fsPath}: the editor kept closing it while it was being edited. Try again.`);
}

/** An edit that replaces only the span where `current` and `next` differ. */
function minimalEdit(uri: vscode.Uri, document: vscode.TextDocument, current: string, next: string): vscode.WorkspaceEdit {
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
  return edit;
}
