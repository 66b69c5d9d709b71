import * as path from 'node:path';
import * as vscode from 'vscode';
import { StackFileEditor } from '../../core/config/edit';
import { STACK_FILE } from '../../core/config/load';
import { StagecraftError } from '../../core/errors';
import type { Stack, Stage } from '../../core/model';
import { envEntryAt, type EnvEntry } from '../../core/scan/fixes';
import { withCancellableProgress } from '../cancellation';
import { applyTextChange } from '../fileEdits';
import type { ExtensionLog } from '../log';
import type { StackWorkspace } from '../stackWorkspace';
import type { MoveToSecretArgs } from './codeActions';
import { rootOf } from './secretDiagnostics';

/**
 * "Move to a stage secret": stores the value with the stage's provider first, and only then
 * replaces it in the file (stagecraft.yaml: `{ secret: NAME }`; .env: the line goes and the
 * stage's `env` refers to the secret). When no provider can store it, nothing changes anywhere
 * and the user is told why: the value is never written to another file.
 */
export async function moveToStageSecret(workspace: StackWorkspace, log: ExtensionLog, args: MoveToSecretArgs): Promise<void> {
  const document = await vscode.workspace.openTextDocument(args.uri);
  const root = rootOf(document.uri);
  const file = path.relative(root, document.uri.fsPath).split(path.sep).join('/');
  const entry = envEntryAt(document.getText(), file, document.offsetAt(args.range.start), document.offsetAt(args.range.end));
  if (!entry) throw new StagecraftError(`Move to a stage secret: the text at line ${args.range.start.line + 1} is no longer a variable's value.`, { kind: 'input', hint: 'Save the file to scan it again.' });

  const { stack, stage } = await targetStage(workspace, root, entry);
  const what = `Move ${entry.name} to a secret of stage "${stage.name}"`;
  if (!workspace.providers.has(stage.provider)) {
    throw new StagecraftError(`${what}: the ${stage.provider} provider is not available in this version of Stagecraft yet, so there is nowhere to keep the value. Nothing was changed.`, {
      kind: 'unavailable',
      hint: 'Meanwhile keep the value out of git: an environment variable, or a .env file listed in .gitignore.',
    });
  }
  const provider = await workspace.providers.get(stage.provider, what);
  await withCancellableProgress(`${what}…`, signal => provider.storeSecret(stack, stage, entry.name, entry.value, { signal, log: line => log.info(line) }));
  log.info(`Stored ${entry.name} as a secret of stage ${stage.name} (${stage.provider}).`);

  const stackFile = vscode.Uri.file(stack.file);
  await applyTextChange(stackFile, current => {
    const editor = new StackFileEditor(current, stack.file);
    editor.setEnv(stage.name, entry.name, { secret: entry.name });
    return editor.toString();
  });
  if (entry.kind === 'dotenv') {
    await applyTextChange(document.uri, current => removeLine(current, entry));
  }
  void vscode.window.showInformationMessage(`${entry.name} is now a secret of stage "${stage.name}"; ${STACK_FILE} refers to it as { secret: ${entry.name} }.`);
}

async function targetStage(workspace: StackWorkspace, root: string, entry: EnvEntry): Promise<{ stack: Stack; stage: Stage }> {
  const folder = (await workspace.all()).find(f => f.folder.uri.fsPath === root);
  const stack = folder?.stack;
  if (!stack) {
    throw new StagecraftError(`Move ${entry.name} to a stage secret: ${path.join(root, STACK_FILE)} is missing or has problems, and a stage secret belongs to one of its stages.`, { kind: 'input', hint: 'Create the stack or fix the file first.' });
  }
  if (entry.stage) {
    const stage = stack.stages.find(s => s.name === entry.stage);
    if (!stage) throw new StagecraftError(`Stage "${entry.stage}" is not in ${stack.file}.`, { kind: 'input' });
    return { stack, stage };
  }
  if (stack.stages.length === 0) throw new StagecraftError(`Stack "${stack.name}" has no stages to keep ${entry.name} in.`, { kind: 'input', hint: 'Add a stage first.' });
  const picked =
    stack.stages.length === 1
      ? stack.stages[0]
      : (await vscode.window.showQuickPick(stack.stages.map(s => ({ label: s.name, description: s.provider, stage: s })), { placeHolder: `Which stage keeps ${entry.name} as a secret?` }))?.stage;
  if (!picked) throw StagecraftError.cancelled('Move to a stage secret');
  return { stack, stage: picked };
}

/** Removes the variable's line from a .env text, if it is still the same line. */
function removeLine(text: string, entry: EnvEntry): string {
  if (entry.lineStart === undefined || entry.lineEnd === undefined) return text;
  const line = text.slice(entry.lineStart, entry.lineEnd);
  if (!line.includes(entry.name) || !line.includes(entry.value)) return text;
  return text.slice(0, entry.lineStart) + text.slice(entry.lineEnd);
}
