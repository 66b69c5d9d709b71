import { existsSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { waitFor } from './waitFor';

/**
 * Asks the launcher, which drives the browser from outside the editor, for a screenshot of the
 * workbench as it is now, with the Stagecraft view shown. The request is a file in the folder named
 * by STAGECRAFT_IT_CONTROL; the launcher answers by deleting it. Without that variable (e.g. under
 * @vscode/test-electron) this does nothing.
 *
 * `waitForText` is a text the launcher waits to see rendered before it shoots.
 */
export async function screenshot(name: string, waitForText?: string): Promise<void> {
  const control = process.env.STAGECRAFT_IT_CONTROL;
  if (!control) return;
  await vscode.commands.executeCommand('notifications.clearAll'); // earlier tests' messages would cover the view
  await vscode.commands.executeCommand('workbench.view.extension.stagecraft');
  const request = path.join(control, `${name}.screenshot.json`);
  // Written aside and renamed, so the launcher never reads half a request.
  writeFileSync(`${request}.part`, JSON.stringify({ name, waitForText }));
  renameSync(`${request}.part`, request);
  await waitFor(`the launcher to take screenshot "${name}"`, () => !existsSync(request), { timeoutMs: 20_000, intervalMs: 100 });
}
