import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { StagecraftApi } from '../../../src/extension';
import type { ReportedError } from '../../../src/ui/commandWrapper';
import type { StagecraftNode } from '../../../src/ui/tree';
import { waitFor } from './waitFor';

/** Helpers over the extension's public API (its `activate()` exports) and the real vscode module. */

export const EXTENSION_ID = 'stagecraft.stagecraft';
export const STACK_FILE = 'stagecraft.yaml';

export function stagecraftExtension(): vscode.Extension<StagecraftApi> {
  const ext = vscode.extensions.getExtension<StagecraftApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not loaded in this VS Code (extensionDevelopmentPath wrong?)`);
  return ext;
}

export async function stagecraftApi(): Promise<StagecraftApi> {
  const ext = stagecraftExtension();
  return ext.isActive ? ext.exports : ext.activate();
}

/** The workspace folder the launcher opened under `name` (the fixture's folder name). */
export function workspaceFolder(name: string): vscode.WorkspaceFolder {
  const folder = vscode.workspace.workspaceFolders?.find(f => f.name === name);
  assert.ok(folder, `workspace folder "${name}" is not open (have: ${vscode.workspace.workspaceFolders?.map(f => f.name).join(', ')})`);
  return folder;
}

export function stackFileOf(folder: vscode.WorkspaceFolder): vscode.Uri {
  return vscode.Uri.joinPath(folder.uri, STACK_FILE);
}

/** What a person sees of a node: its label, description and the other TreeItem fields tests check. */
export interface ShownItem {
  id: string | undefined;
  label: string;
  description: string;
  contextValue: string | undefined;
  icon: string | undefined;
  tooltip: string;
}

export function shown(api: StagecraftApi, node: StagecraftNode): ShownItem {
  const item = api.tree.getTreeItem(node) as vscode.TreeItem;
  const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
  const tooltip = typeof item.tooltip === 'string' ? item.tooltip : (item.tooltip?.value ?? '');
  const icon = item.iconPath instanceof vscode.ThemeIcon ? item.iconPath.id : undefined;
  return { id: item.id, label, description: String(item.description ?? ''), contextValue: item.contextValue, icon, tooltip };
}

/** The root nodes once every stack shows what its providers say (the tree paints first from recorded state). */
export async function roots(api: StagecraftApi): Promise<StagecraftNode[]> {
  await api.tree.settled();
  return api.tree.getChildren();
}

export async function childrenOf(api: StagecraftApi, node: StagecraftNode): Promise<StagecraftNode[]> {
  return api.tree.getChildren(node);
}

/** Waits until the tree's root has a node with `id` and returns it. */
export async function waitForRoot(api: StagecraftApi, id: string, timeoutMs?: number): Promise<StagecraftNode> {
  return waitFor(`tree root "${id}"`, async () => (await roots(api)).find(n => n.id === id), { timeoutMs });
}

/** Waits until the stage ids under stack `stackId` are exactly `stageNames`, in that order. */
export async function waitForStages(api: StagecraftApi, stackId: string, stageNames: string[], timeoutMs?: number): Promise<StagecraftNode[]> {
  const expected = stageNames.map(s => `${stackId}/stage/${s}`);
  let last: string[] = [];
  try {
    return await waitFor(
      `stages ${stageNames.join(', ')} under ${stackId}`,
      async () => {
        const stack = (await roots(api)).find(n => n.id === stackId);
        const stages = stack ? await childrenOf(api, stack) : [];
        last = stages.map(s => s.id);
        return JSON.stringify(last) === JSON.stringify(expected) ? stages : undefined;
      },
      { timeoutMs },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message} (last seen: ${last.join(', ') || 'none'})`);
  }
}

/** Resolves with the next error the command wrapper reports for `command`. Subscribe before running it. */
export function nextReportedError(api: StagecraftApi, command: string, timeoutMs = 10_000): Promise<ReportedError> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`${command} reported no error within ${timeoutMs} ms`));
    }, timeoutMs);
    const subscription = api.onDidReportError(e => {
      if (e.command !== command) return;
      clearTimeout(timer);
      subscription.dispose();
      resolve(e);
    });
  });
}

export async function readText(uri: vscode.Uri): Promise<string> {
  return fs.readFile(uri.fsPath, 'utf8');
}

/** Puts a file back the way a test found it (the workspace is a temporary copy, but tests stay independent). */
export async function restoreText(uri: vscode.Uri, text: string | undefined): Promise<void> {
  if (text === undefined) await fs.rm(uri.fsPath, { force: true });
  else if ((await fs.readFile(uri.fsPath, 'utf8').catch(() => undefined)) !== text) await fs.writeFile(uri.fsPath, text);
}

/** Closes every editor a test opened, without prompting (documents were saved or are throwaway). */
export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
