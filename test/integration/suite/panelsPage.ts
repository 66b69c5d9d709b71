import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import * as path from 'node:path';
import { waitFor } from '../support/waitFor';

/**
 * Acting on a panel's page from the in-host tests: the launcher (test/integration/panels-ui.mjs,
 * driven by playwright outside the editor) runs the steps in the panel's frame and writes back
 * what it saw. See panels-ui.mjs for the step kinds.
 */
export type Step =
  | { waitFor: string }
  | { fill: string; value: string }
  | { type: string; text: string }
  | { press: string }
  | { click: string }
  | { waitForText: string; text: string }
  | { waitForNotText: string; text: string }
  | { text: string; as: string }
  | { count: string; as: string }
  | { value: string; as: string }
  | { focused: string }
  | { tabUntil: string; as: string }
  | { screenshot: string }
  | { evaluate: string; as: string }
  | { until: string }
  | { cspViolations: string };

export interface PageResult {
  ok: boolean;
  error?: string;
  texts: Record<string, string>;
  counts: Record<string, number>;
  focused: Record<string, string>;
}

/** Whether a launcher that acts on pages is running (runner.mjs with servePanelActions, or panels-ui.mjs). */
export function pageActionsServed(): boolean {
  const control = process.env.STAGECRAFT_IT_CONTROL;
  return Boolean(control && existsSync(path.join(control, 'panel-actions.ready')));
}

let counter = 0;

export async function onPage(panel: string, steps: Step[], timeoutMs = 90_000): Promise<PageResult> {
  const control = process.env.STAGECRAFT_IT_CONTROL;
  if (!control) throw new Error('STAGECRAFT_IT_CONTROL is not set: no launcher to act on the page');
  const name = `panels-${process.pid}-${++counter}`;
  const request = path.join(control, `${name}.page.json`);
  const answer = path.join(control, `${name}.page.result.json`);
  writeFileSync(`${request}.part`, JSON.stringify({ panel, steps }));
  renameSync(`${request}.part`, request);
  await waitFor(`the launcher to act on the ${panel} panel`, () => existsSync(answer), { timeoutMs, intervalMs: 50 });
  const result = JSON.parse(readFileSync(answer, 'utf8')) as PageResult;
  rmSync(answer, { force: true });
  if (!result.ok) throw new Error(`On the ${panel} panel: ${result.error}`);
  return result;
}

/** VS Code's notification toasts in the workbench page. */
export const TOAST = '.notifications-toasts .notification-toast';

/** The button `label` of the toast that says `message` (any toast when `message` is empty). */
export function toastButton(label: string, message = ''): string {
  return `${TOAST}${message ? `:has-text(${JSON.stringify(message)})` : ''} .monaco-button:text-is(${JSON.stringify(label)})`;
}

/** Stagecraft panel tabs whose title carries the dirty mark. */
export function dirtyPanelTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap(g => g.tabs).filter(t => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('stagecraft.panel.') && t.label.startsWith('\u25CF '));
}

/**
 * Closes every editor and panel a test opened; each panel closed with unsaved edits asks "Save
 * changes?" in a notification, which this answers with Don't Save, so that no edits are kept for
 * the next test (without page actions no page was edited).
 */
export async function closeAllDiscarding(): Promise<void> {
  const dirty = dirtyPanelTabs().length;
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  for (let i = 0; i < dirty; i++) {
    // A page that has just saved (Enter in Add Stage) can still show "● " here while its clean
    // state is on the way: closed clean, it asks nothing, and there is nothing to discard.
    await onPage('workbench', [{ click: toastButton("Don't Save") }]).catch(err => console.log(`      (no "Save changes?" to answer: ${(err as Error).message.split('\n')[0]})`));
  }
}
