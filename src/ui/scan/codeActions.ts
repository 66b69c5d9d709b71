import * as path from 'node:path';
import * as vscode from 'vscode';
import { envEntryAt, ignoreCommentInserts } from '../../core/scan/fixes';
import { sourceLiteralAt } from '../../core/scan/sourceSecret';
import { rootOf, SECRET_DIAGNOSTIC_SOURCE } from './secretDiagnostics';

export const MOVE_TO_STAGE_SECRET_COMMAND = 'stagecraft.scan.moveToStageSecret';
/** Moves a secret literal of JS/TS/Python source to a stage secret, the code reading it from the environment. */
export const MOVE_SOURCE_SECRET_COMMAND = 'stagecraft.scan.moveSourceSecret';
/** Scans a document again; run after a quick fix so its diagnostic goes away without a save. */
export const RESCAN_DOCUMENT_COMMAND = 'stagecraft.scan.rescanDocument';

/** Arguments of the move command, as the code action passes them. */
export interface MoveToSecretArgs {
  uri: vscode.Uri;
  range: vscode.Range;
}

/**
 * Quick fixes on a secret's diagnostic, the real fix first: "Move to a stage secret" where the
 * value belongs to a variable (stagecraft.yaml `env`, a .env file), "Move to a stage secret and
 * read it from the environment" for a string literal in JS/TS/Python source, and last "Ignore
 * this line" wherever the file's language has comments (secretlint's `secretlint-disable-next-line`).
 */
export class SecretCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    const ignores: vscode.CodeAction[] = [];
    const file = path.relative(rootOf(document.uri), document.uri.fsPath).split(path.sep).join('/');
    const text = document.getText();
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== SECRET_DIAGNOSTIC_SOURCE) continue;
      const start = document.offsetAt(diagnostic.range.start);
      const end = document.offsetAt(diagnostic.range.end);
      const entry = envEntryAt(text, file, start, end);
      if (entry) {
        const move = new vscode.CodeAction(`Move ${entry.name} to a stage secret`, vscode.CodeActionKind.QuickFix);
        move.diagnostics = [diagnostic];
        move.isPreferred = true;
        move.command = { command: MOVE_TO_STAGE_SECRET_COMMAND, title: 'Move to a stage secret', arguments: [{ uri: document.uri, range: diagnostic.range } satisfies MoveToSecretArgs] };
        actions.push(move);
      } else if (sourceLiteralAt(text, file, start, end)) {
        const move = new vscode.CodeAction('Move to a stage secret and read it from the environment', vscode.CodeActionKind.QuickFix);
        move.diagnostics = [diagnostic];
        move.isPreferred = true;
        move.command = { command: MOVE_SOURCE_SECRET_COMMAND, title: 'Move to a stage secret', arguments: [{ uri: document.uri, range: diagnostic.range } satisfies MoveToSecretArgs] };
        actions.push(move);
      }
      const inserts = ignoreCommentInserts(text, file, start, end);
      if (inserts) {
        const ignore = new vscode.CodeAction('Ignore this line (secretlint-disable comment)', vscode.CodeActionKind.QuickFix);
        ignore.diagnostics = [diagnostic];
        ignore.edit = new vscode.WorkspaceEdit();
        for (const insert of inserts) ignore.edit.insert(document.uri, document.positionAt(insert.offset), insert.text);
        ignore.command = { command: RESCAN_DOCUMENT_COMMAND, title: 'Scan again', arguments: [document.uri] };
        ignores.push(ignore);
      }
    }
    return [...actions, ...ignores];
  }
}
