import * as vscode from 'vscode';
import { StagecraftError } from '../core/errors';
import type { Stack, Stage } from '../core/model';
import type { FolderStack, StackWorkspace } from './stackWorkspace';
import type { StagecraftNode } from './tree';

export interface StageTarget {
  stack: Stack;
  stage: Stage;
}

/**
 * Refuses to deploy or edit from the last good model of a file that has errors now (the tree
 * still shows it, stale): what would run is not what the file says.
 */
function refuseStale(folder: FolderStack | undefined, what: string): void {
  if (folder?.stale) throw new StagecraftError(`${folder.folder.name}/stagecraft.yaml has errors: fix them before ${what} (the tree shows its last valid stages).`, { kind: 'input', hint: 'Show Problems lists them.' });
}

/** The stage a command acts on: the tree node it was invoked on, else one picked from a list. `fresh`: refuse a stale stack. */
export async function resolveStage(workspace: StackWorkspace, arg: unknown, placeHolder: string, options: { fresh?: string } = {}): Promise<StageTarget> {
  const node = arg as StagecraftNode | undefined;
  if (node && typeof node === 'object' && node.kind === 'stage') {
    if (options.fresh) refuseStale(node.folder, options.fresh);
    return { stack: node.stack, stage: node.stage };
  }
  const stacks = (await workspace.all()).filter(f => f.stack && !(options.fresh && f.stale)).map(f => f.stack!);
  const items = stacks.flatMap(stack =>
    stack.stages.map(stage => ({
      label: stage.name,
      description: `${stack.name} · ${workspace.providers.describeStage(stage)}`,
      target: { stack, stage },
    })),
  );
  if (items.length === 0) throw new StagecraftError('No stages to choose from.', { kind: 'input', hint: 'Create a stack (Stagecraft: Create Stack) and add a stage first.' });
  if (items.length === 1) return items[0].target;
  const picked = await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true });
  if (!picked) throw StagecraftError.cancelled();
  return picked.target;
}

/** The stack a command acts on: from a node, the only one, or picked. Only valid stacks are offered. */
export async function resolveStack(workspace: StackWorkspace, arg: unknown): Promise<FolderStack> {
  const node = arg as StagecraftNode | undefined;
  if (node && typeof node === 'object' && 'folder' in node && node.folder.stack) {
    refuseStale(node.folder, 'running or changing the stack');
    return node.folder;
  }
  const folders = (await workspace.all()).filter(f => f.stack && !f.stale);
  if (folders.length === 0) {
    throw new StagecraftError('This workspace has no valid stagecraft.yaml.', { kind: 'input', hint: 'Run "Stagecraft: Create Stack", or fix the problems the file has.' });
  }
  if (folders.length === 1) return folders[0];
  const picked = await vscode.window.showQuickPick(
    folders.map(f => ({ label: f.stack!.name, description: f.folder.name, folder: f })),
    { placeHolder: 'Which stack?' },
  );
  if (!picked) throw StagecraftError.cancelled();
  return picked.folder;
}
