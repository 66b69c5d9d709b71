import * as vscode from 'vscode';
import { newStageProblem, StackFileEditor, type NewStage } from '../../core/config/edit';
import { parseStackFile, STACK_FILE } from '../../core/config/load';
import { defaultPosition } from '../../core/config/position';
import { gatherScaffoldFacts, scaffoldStackFile, writeNewStackFile } from '../../core/config/scaffold';
import { StagecraftError } from '../../core/errors';
import { isProtectedByDefault, nameProblem } from '../../core/naming';
import type { Providers } from '../../core/providers';
import { registerCommand } from '../commandWrapper';
import { applyTextChange } from '../fileEdits';
import { openAddStageForm } from '../panels';
import { COMMANDS } from '../ids';
import type { ExtensionLog } from '../log';
import { readSettings } from '../settings';
import type { StackWorkspace } from '../stackWorkspace';
import { resolveStack } from '../stagePicker';
import type { StagecraftNode } from '../tree';

/** Commands that shape the stack file: Create Stack, Add Stage, open, problems, refresh. */
export function registerStackCommands(context: vscode.ExtensionContext, log: ExtensionLog, workspace: StackWorkspace): void {
  registerCommand(context, log, COMMANDS.createStack, (arg?: { folder?: vscode.Uri; name?: string; open?: boolean }) => createStack(workspace, log, arg));
  registerCommand(context, log, COMMANDS.addStage, (arg?: unknown) => addStage(workspace, log, arg));
  // The view title's "+": VS Code may hand it the selected row, which must not choose anything.
  registerCommand(context, log, COMMANDS.addStageFromTitle, () => addStage(workspace, log, undefined));
  registerCommand(context, log, COMMANDS.refresh, () => workspace.refresh());
  registerCommand(context, log, COMMANDS.showLog, () => log.show());
  registerCommand(context, log, COMMANDS.openStackFile, (node?: StagecraftNode) => openStackFile(workspace, node));
  registerCommand(context, log, COMMANDS.showProblems, async (node?: StagecraftNode) => {
    const folder = node?.folder ?? (await workspace.all()).find(f => !f.stack || f.stale);
    if (folder) {
      const first = folder.problems.find(p => p.severity === 'error');
      const position = first ? new vscode.Position(first.line - 1, first.column - 1) : new vscode.Position(0, 0);
      await vscode.window.showTextDocument(folder.file, { selection: new vscode.Range(position, position) });
    }
    await vscode.commands.executeCommand('workbench.actions.view.problems');
  });
}

async function createStack(workspace: StackWorkspace, log: ExtensionLog, arg?: { folder?: vscode.Uri; name?: string; open?: boolean }): Promise<vscode.Uri> {
  const folder = arg?.folder ?? (await pickFolderWithoutStack(workspace));
  const facts = await gatherScaffoldFacts(folder.fsPath);
  const name =
    arg?.name ??
    (await vscode.window.showInputBox({
      title: 'Create Stack',
      prompt: `Stack name (prefilled from ${facts.sources.join(' and ') || 'the folder name'})`,
      value: facts.stack,
      validateInput: value => nameProblem(value, 'stack'),
      // Started from the Get Started walkthrough, whose page may take the focus back as it updates:
      // the prompt stays until answered or Escape.
      ignoreFocusOut: true,
    }));
  if (name === undefined) throw StagecraftError.cancelled('Create Stack');
  const bad = nameProblem(name, 'stack');
  if (bad) throw new StagecraftError(bad, { kind: 'input' });
  const file = await writeNewStackFile(folder.fsPath, scaffoldStackFile({ ...facts, stack: name }, workspace.providers));
  log.info(`Created ${file}`);
  workspace.refresh();
  const uri = vscode.Uri.file(file);
  if (arg?.open !== false) await vscode.window.showTextDocument(uri, { preview: false });
  return uri;
}

async function pickFolderWithoutStack(workspace: StackWorkspace): Promise<vscode.Uri> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) throw new StagecraftError('Open a folder first: a stack lives in the folder of the service it releases.', { kind: 'input' });
  const taken = new Set((await workspace.all()).map(f => f.folder.uri.toString()));
  const free = folders.filter(f => !taken.has(f.uri.toString()));
  if (free.length === 0) throw new StagecraftError(`Every workspace folder already has a ${STACK_FILE}.`, { kind: 'input', hint: 'Use Add Stage to extend it.' });
  if (free.length === 1) return free[0].uri;
  const picked = await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Create the stack in which folder?' });
  if (!picked) throw StagecraftError.cancelled('Create Stack');
  return picked.uri;
}

/** An Add Stage call from a test, a script or the webview form: skips the prompts. */
interface AddStageRequest {
  stage: NewStage;
  stackName?: string;
}

async function addStage(workspace: StackWorkspace, log: ExtensionLog, arg?: unknown): Promise<unknown> {
  const request = isAddStageRequest(arg) ? arg : undefined;
  // `{ quickPick: true }` asks for the prompts instead of the form (the form's own "Use prompts" link).
  const prompts = isQuickPickRequest(arg) ? arg : undefined;
  const stackName = request?.stackName ?? prompts?.stackName;
  const folder = stackName
    ? (await workspace.all()).find(f => f.stack?.name === stackName)
    : await resolveStack(workspace, request || prompts ? undefined : arg);
  if (!folder?.stack) throw new StagecraftError(`No valid stack named "${stackName}" in this workspace.`, { kind: 'input' });
  const stack = folder.stack;
  if (!request && !prompts) {
    const form = openAddStageForm(folder);
    if (form) return form;
  }
  const input = request?.stage ?? (await promptNewStage(workspace.providers, stack.name, stack.stages, readSettings(folder.folder).defaultProvider));
  const problem = newStageProblem(stack, input.name);
  if (problem) throw new StagecraftError(problem, { kind: 'input' });
  await applyTextChange(folder.file, current => {
    const editor = new StackFileEditor(current, folder.file.fsPath);
    editor.addStage(input, stack);
    const next = editor.toString();
    const check = parseStackFile(next, folder.file.fsPath, workspace.providers.stackSchema());
    if (!check.stack) throw new StagecraftError(`Adding "${input.name}" would make ${STACK_FILE} invalid: ${check.problems[0]?.message ?? 'unknown problem'}`, { kind: 'input' });
    return next;
  });
  log.info(`Added stage ${input.name} to ${stack.name}`);
  workspace.refresh();
  if (!request) void vscode.window.showInformationMessage(`Stage "${input.name}" added to ${stack.name}.`);
}

function isQuickPickRequest(arg: unknown): arg is { quickPick: true; stackName?: string } {
  return typeof arg === 'object' && arg !== null && (arg as { quickPick?: unknown }).quickPick === true;
}

function isAddStageRequest(arg: unknown): arg is AddStageRequest {
  // A tree row of a stage has a `stage` too: it says where to add, never what.
  return typeof arg === 'object' && arg !== null && !('kind' in arg) && 'stage' in arg && typeof (arg as AddStageRequest).stage?.name === 'string';
}

/** The quick-pick flow for Add Stage; every step can be cancelled with Escape. */
async function promptNewStage(registered: Providers, stackName: string, stages: ReadonlyArray<{ name: string; protected: boolean }>, defaultProvider: string | undefined): Promise<NewStage> {
  const existing = stages.map(s => s.name);
  const stack = { name: stackName, stages: existing.map(name => ({ name })) } as Parameters<typeof newStageProblem>[0];
  const cancelled = () => StagecraftError.cancelled('Add Stage');
  const name = await vscode.window.showInputBox({
    title: 'Add Stage (1/5): name',
    prompt: `A new stage of ${stackName}, for example dev, test, staging, prod or your own name`,
    validateInput: value => newStageProblem(stack, value),
  });
  if (name === undefined) throw cancelled();

  const providers = registered
    .names()
    .map(n => ({ label: n, description: registered.module(n)?.description, value: n }))
    .sort(a => (a.value === defaultProvider ? -1 : 1));
  const provider = await vscode.window.showQuickPick(providers, { title: 'Add Stage (2/5): provider' });
  if (!provider) throw cancelled();

  // The provider's own questions: its texts one by one, its checkboxes with the options below.
  const fields = registered.module(provider.value)?.addStageFields ?? [];
  const providerOptions: Record<string, string | boolean> = {};
  for (const field of fields.filter(f => f.kind === 'text')) {
    const initial = field.initial?.();
    const value = await vscode.window.showInputBox({ title: `Add Stage: ${field.label}${field.hint ? ` (${field.hint})` : ''}`, value: typeof initial === 'string' ? initial : '', validateInput: v => (v === '' && !field.problem ? undefined : field.problem?.(v)) });
    if (value === undefined) throw cancelled();
    if (value !== '') providerOptions[field.key] = value;
  }

  const options = await vscode.window.showQuickPick(
    [
      { label: 'Create Postgres database for stage', key: 'database', picked: false },
      { label: 'Require manual approval', description: 'stop for a person before promoting here', key: 'approval', picked: isProtectedByDefault(name) },
      ...fields.filter(f => f.kind === 'checkbox').map(f => ({ label: f.label, key: `option:${f.key}`, picked: f.followsProtection === true && isProtectedByDefault(name) })),
    ],
    { title: 'Add Stage (3/5): options', canPickMany: true },
  );
  if (!options) throw cancelled();
  const has = (key: string) => options.some(o => o.key === key);

  let after: string | undefined;
  if (existing.length > 0) {
    // Offered first: before the first protected stage (not after prod), when there is one.
    const preferred = defaultPosition(stages);
    const preferredAfter = preferred.first ? '' : (preferred.after ?? existing[existing.length - 1]);
    const choices = [...existing.map(s => ({ label: `after ${s}`, after: s as string | undefined })), { label: 'first', after: '' as string | undefined }].reverse();
    const position = await vscode.window.showQuickPick(
      [...choices.filter(c => c.after === preferredAfter), ...choices.filter(c => c.after !== preferredAfter)],
      { title: 'Add Stage (4/5): position in the promotion order' },
    );
    if (!position) throw cancelled();
    after = position.after;
  }

  const branches = await vscode.window.showInputBox({
    title: 'Add Stage (5/5): branch patterns (optional)',
    prompt: 'Comma-separated, e.g. release/*, hotfix/**. Empty uses the GitFlow defaults.',
  });
  if (branches === undefined) throw cancelled();

  return {
    name,
    provider: provider.value,
    options: { ...providerOptions, ...Object.fromEntries(fields.filter(f => f.kind === 'checkbox').map(f => [f.key, has(`option:${f.key}`)])) },
    database: has('database') ? 'postgres' : undefined,
    requireApproval: has('approval'),
    after: after === '' ? undefined : after,
    first: after === '',
    branches: branches.split(',').map(b => b.trim()).filter(Boolean),
  };
}

async function openStackFile(workspace: StackWorkspace, node?: StagecraftNode): Promise<void> {
  const folder = node?.folder ?? (await workspace.all())[0];
  if (!folder) throw new StagecraftError(`No ${STACK_FILE} in this workspace.`, { kind: 'input', hint: 'Run "Stagecraft: Create Stack".' });
  const line = node?.kind === 'stage' ? (folder.stageLines[node.stage.index] ?? 1) - 1 : 0;
  const position = new vscode.Position(Math.max(0, line), 0);
  await vscode.window.showTextDocument(folder.file, { selection: new vscode.Range(position, position), preview: true });
}
