import * as vscode from 'vscode';
import type { Stack } from '../../core/model';
import { COMMANDS } from '../ids';
import type { ExtensionLog } from '../log';
import { changesDocument } from './changesDocument';

export interface ApprovalRequest {
  stack: Stack;
  stage: string;
  runId: string;
  /** Identifies this wait: one notification per request, however many ways it was noticed. */
  requestId: string;
  commit: string;
  artifact?: string;
  expiresAt?: string;
  /** The run waits in another process (a `stagecraft pipeline run` in a terminal, CI). */
  elsewhere?: boolean;
}

/**
 * The notification a waiting promotion raises: Approve, Reject, Show Changes. Approve and Reject go
 * through the Approve/Reject Promotion commands (which ask for a comment and record who decided);
 * Show Changes opens the commits and configuration differences, then asks again.
 */
export class ApprovalPrompts implements vscode.Disposable {
  private readonly asked = new Set<string>();
  private readonly settled = new Set<string>();
  private readonly shownEmitter = new vscode.EventEmitter<ApprovalRequest>();
  /** Fires each time a notification is shown (tests, the status bar). */
  readonly onDidPrompt = this.shownEmitter.event;

  constructor(private readonly log: ExtensionLog) {}

  /** Shows the notification unless this request was already shown or decided. */
  prompt(request: ApprovalRequest): void {
    if (this.asked.has(request.requestId) || this.settled.has(request.requestId)) return;
    this.asked.add(request.requestId);
    void this.ask(request);
  }

  /** The request was decided (here or elsewhere): a later click is not offered again. */
  settle(requestId: string): void {
    this.settled.add(requestId);
  }

  async showChanges(request: Pick<ApprovalRequest, 'stack' | 'stage' | 'commit' | 'artifact' | 'runId'>): Promise<void> {
    const content = await changesDocument(request);
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content });
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  private async ask(request: ApprovalRequest): Promise<void> {
    const { stack, stage } = request;
    const where = request.elsewhere ? ' (run started outside this window)' : '';
    const message = `${stack.name}: promote ${request.commit.slice(0, 8)} to ${stage}?${where}`;
    for (;;) {
      this.shownEmitter.fire(request);
      const choice = await vscode.window.showInformationMessage(message, 'Approve', 'Reject', 'Show Changes');
      if (this.settled.has(request.requestId) && choice) {
        void vscode.window.showInformationMessage(`The promotion to ${stage} was already decided.`);
        return;
      }
      const target = { stackRoot: stack.root, stage, runId: request.runId };
      if (choice === 'Approve') return void vscode.commands.executeCommand(COMMANDS.approvePromotion, target);
      if (choice === 'Reject') return void vscode.commands.executeCommand(COMMANDS.rejectPromotion, target);
      if (choice !== 'Show Changes') return; // dismissed: Approve/Reject stay in the tree and the palette
      try {
        await this.showChanges(request);
      } catch (err) {
        this.log.error(`Show Changes for ${stage} failed`, err);
        void vscode.window.showErrorMessage(`Could not show the changes for ${stage}: ${(err as Error).message}`);
      }
      if (this.settled.has(request.requestId)) return;
    }
  }

  dispose(): void {
    this.shownEmitter.dispose();
  }
}
