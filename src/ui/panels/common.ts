import * as vscode from 'vscode';
import type { Stack, Stage } from '../../core/model';
import type { StageHeader } from '../../protocol/messages';
import type { StackWorkspace } from '../stackWorkspace';
import { folderOf, type StageRef } from './stageRef';

export function stageHeader(workspace: StackWorkspace, stack: Stack, stage: Stage): StageHeader {
  const placement = workspace.providers.module(stage.provider)?.describeStage?.(stage);
  return { stack: stack.name, stage: stage.name, provider: stage.provider, placement, providerAvailable: workspace.providers.has(stage.provider) };
}

/** Opens stagecraft.yaml at the stage's entry. */
export async function openStackFileAt(workspace: StackWorkspace, ref: StageRef): Promise<void> {
  const folder = await folderOf(workspace, ref.file);
  const index = folder?.stack?.stages.findIndex(s => s.name === ref.stage) ?? -1;
  const line = index >= 0 ? (folder?.stageLines[index] ?? 1) - 1 : 0;
  const position = new vscode.Position(Math.max(0, line), 0);
  await vscode.window.showTextDocument(ref.file, { selection: new vscode.Range(position, position), preview: true });
}
