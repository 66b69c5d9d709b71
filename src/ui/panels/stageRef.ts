import * as vscode from 'vscode';
import { STACK_FILE } from '../../core/config/load';
import { StagecraftError } from '../../core/errors';
import type { Stack, Stage } from '../../core/model';
import type { FolderStack, StackWorkspace } from '../stackWorkspace';

/** Which stage a panel is about: its stack file and its name (objects are re-read on every use). */
export interface StageRef {
  file: vscode.Uri;
  stage: string;
}

export interface CurrentStage {
  folder: FolderStack;
  stack: Stack;
  stage: Stage;
}

export async function folderOf(workspace: StackWorkspace, file: vscode.Uri): Promise<FolderStack | undefined> {
  return (await workspace.all()).find(f => f.file.fsPath === file.fsPath);
}

/** The valid stack of `file` as last read, or an input error saying what to fix. */
export async function currentStack(workspace: StackWorkspace, file: vscode.Uri): Promise<FolderStack & { stack: Stack }> {
  const folder = await folderOf(workspace, file);
  if (!folder) throw new StagecraftError(`${file.fsPath} no longer exists.`, { kind: 'input' });
  if (!folder.stack) {
    throw new StagecraftError(`${STACK_FILE} in ${folder.folder.name} has problems; fix them first.`, { kind: 'input', hint: 'See the Problems view.' });
  }
  return folder as FolderStack & { stack: Stack };
}

/** The stage as stagecraft.yaml defines it now. */
export async function currentStage(workspace: StackWorkspace, ref: StageRef): Promise<CurrentStage> {
  const folder = await currentStack(workspace, ref.file);
  const stage = folder.stack.stages.find(s => s.name === ref.stage);
  if (!stage) throw new StagecraftError(`Stack "${folder.stack.name}" has no stage "${ref.stage}" any more.`, { kind: 'input' });
  return { folder, stack: folder.stack, stage };
}

/**
 * Whether the stage is gone for good: its stack file is gone, or the file is valid and no longer
 * has it. A file that is invalid for a moment (someone typing) keeps the panel open.
 */
export async function isStageGone(workspace: StackWorkspace, ref: StageRef): Promise<boolean> {
  const folder = await folderOf(workspace, ref.file);
  if (!folder) return true;
  if (!folder.stack) return false;
  return !folder.stack.stages.some(s => s.name === ref.stage);
}

export function stageKey(kind: string, ref: StageRef): string {
  return `${kind}|${ref.file.toString()}|${ref.stage}`;
}
