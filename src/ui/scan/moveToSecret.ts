import * as path from 'node:path';
import * as vscode from 'vscode';
import { StackFileEditor } from '../../core/config/edit';
import { STACK_FILE } from '../../core/config/load';
import { StagecraftError } from '../../core/errors';
import type { Stack, Stage } from '../../core/model';
import { envEntryAt, type EnvEntry } from '../../core/scan/fixes';
import { envRead, isEnvName, replaceLiteralWithEnvRead, sourceLiteralAt } from '../../core/scan/sourceSecret';
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

async function targetStage(workspace: StackWorkspace, root: string, entry: EnvEntry, options: { preferUnprotected?: boolean } = {}): Promise<{ stack: Stack; stage: Stage }> {
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
  // The first unprotected stage comes first (the default answer): a secret usually starts in dev.
  const first = options.preferUnprotected ? stack.stages.find(s => !s.protected) : undefined;
  const ordered = first ? [first, ...stack.stages.filter(s => s !== first)] : stack.stages;
  const picked =
    ordered.length === 1
      ? ordered[0]
      : (await vscode.window.showQuickPick(ordered.map(s => ({ label: s.name, description: `${s.provider}${s.protected ? ' · protected' : ''}`, stage: s })), { title: `Which stage keeps ${entry.name} as a secret?`, placeHolder: `Enter: ${ordered[0].name}` }))?.stage;
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

/**
 * "Move to a stage secret and read it from the environment", for a string literal in JS/TS or
 * Python source: asks the variable's name (suggested from what the literal is assigned to) and the
 * stage (the first unprotected one by default), stores the value with the stage's provider, adds
 * `NAME: { secret: NAME }` to the stage's env in stagecraft.yaml (comments kept), and only then
 * replaces the literal with `process.env.NAME` / `os.environ["NAME"]`. The value is written
 * nowhere else; if storing fails, nothing changes.
 */
export async function moveSourceSecret(workspace: StackWorkspace, log: ExtensionLog, args: MoveToSecretArgs): Promise<void> {
  const document = await vscode.workspace.openTextDocument(args.uri);
  const root = rootOf(document.uri);
  const file = path.relative(root, document.uri.fsPath).split(path.sep).join('/');
  const literal = sourceLiteralAt(document.getText(), file, document.offsetAt(args.range.start), document.offsetAt(args.range.end));
  if (!literal) throw new StagecraftError(`Move to a stage secret: the text at ${file}:${args.range.start.line + 1} is no longer a string literal.`, { kind: 'input', hint: 'Save the file to scan it again.' });

  const name = await vscode.window.showInputBox({
    title: 'Move to a stage secret and read it from the environment',
    prompt: `The environment variable the code reads instead: ${envRead(literal.language, literal.name)}`,
    value: literal.name,
    validateInput: v => (isEnvName(v.trim()) ? undefined : 'Letters A–Z, digits and _, not starting with a digit (e.g. STRIPE_KEY)'),
  });
  if (name === undefined) throw StagecraftError.cancelled('Move to a stage secret');
  const secretName = name.trim();
  const { stack, stage } = await targetStage(workspace, root, { kind: 'stack', name: secretName, value: '' }, { preferUnprotected: true });
  const what = `Move ${secretName} to a secret of stage "${stage.name}"`;
  if (!workspace.providers.has(stage.provider)) {
    throw new StagecraftError(`${what}: the ${stage.provider} provider is not available in this version of Stagecraft yet, so there is nowhere to keep the value. Nothing was changed.`, {
      kind: 'unavailable',
      hint: 'Pick another stage, or meanwhile keep the value out of git: an environment variable, or a .env file listed in .gitignore.',
    });
  }
  const provider = await workspace.providers.get(stage.provider, what);
  // The value is stored first: should that fail, the source and stagecraft.yaml stay as they were.
  await withCancellableProgress(`${what}…`, signal => provider.storeSecret(stack, stage, secretName, literal.value, { signal, log: line => log.info(line) }));
  log.info(`Stored ${secretName} as a secret of stage ${stage.name} (${stage.provider}).`);

  await applyTextChange(vscode.Uri.file(stack.file), current => {
    const editor = new StackFileEditor(current, stack.file);
    editor.setEnv(stage.name, secretName, { secret: secretName });
    return editor.toString();
  });
  let moved = false;
  await applyTextChange(document.uri, current => {
    const next = replaceLiteralWithEnvRead(current, literal, secretName);
    moved = next !== undefined;
    return next ?? current;
  });
  if (!moved) {
    throw new StagecraftError(`${secretName} is stored as a secret of stage "${stage.name}" and ${STACK_FILE} refers to it, but ${file} changed meanwhile: replace the literal with ${envRead(literal.language, secretName)} yourself.`, { kind: 'input' });
  }
  void vscode.window.showInformationMessage(`${secretName} is now a secret of stage "${stage.name}"; ${file} reads ${envRead(literal.language, secretName)}.`);
}
