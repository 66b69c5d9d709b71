import * as vscode from 'vscode';
import { toStagecraftError } from '../core/errors';
import { redactor } from '../core/redact';
import { COMMANDS } from './ids';
import type { ExtensionLog } from './log';
import { errorToastText } from './toastText';

/** What the wrapper showed the user, for the integration tests and the status of long runs. */
export interface ReportedError {
  command: string;
  message: string;
  kind: string;
}
const reported = new vscode.EventEmitter<ReportedError>();
export const onDidReportError = reported.event;

/**
 * The one place that decides what a user sees when a command fails: nothing when cancelled,
 * otherwise one message with the next step and "Show Log" / "Retry".
 */
export function registerCommand(
  context: vscode.ExtensionContext,
  log: ExtensionLog,
  id: string,
  handler: (...args: any[]) => unknown,
): void {
  const run = async (...args: unknown[]): Promise<unknown> => {
    try {
      return await handler(...args);
    } catch (err) {
      const e = toStagecraftError(err);
      if (e.cancelled) {
        log.info(`${id}: cancelled`);
        return undefined;
      }
      log.error(`${id} failed: ${e.message}`, e.cause ?? (e.kind === 'failure' ? e : undefined));
      // The log above has the whole message; a multi-line one (a table) shows its first line here.
      const toast = errorToastText(redactor.redact(e.message), e.hint && redactor.redact(e.hint));
      const text = toast.text;
      reported.fire({ command: id, message: text, kind: e.kind });
      const show = toast.more ? 'Show Output' : 'Show Log';
      const actions = e.kind === 'failure' ? [show, 'Retry'] : [show];
      void vscode.window.showErrorMessage(text, ...actions).then(choice => {
        if (choice === show) void vscode.commands.executeCommand(COMMANDS.showLog);
        if (choice === 'Retry') void run(...args);
      });
      return undefined;
    }
  };
  context.subscriptions.push(vscode.commands.registerCommand(id, run));
}
