import * as vscode from 'vscode';
import type { Stack } from '../../core/model';
import { COMMANDS } from '../ids';
import type { ExtensionLog } from '../log';

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
 * VS Code hides an information toast after 15 s (it moves to the notification centre, where it is
 * easy to miss). The notification is shown again before that, and again at once when it is closed
 * without an answer: the same text replaces the earlier one (VS Code keeps one of equal
 * notifications), so it stays in view until the promotion is decided. A progress notification would
 * also stay, but could not offer Review/Reject buttons.
 */
export const RESHOW_MS = 12_000;

/** What the prompts need to know of the review panels (src/ui/review). */
export interface ReviewState {
  isOpen(requestId: string): boolean;
  onDidChange: vscode.Event<void>;
}

const RESHOW = Symbol('reshow');

/**
 * The notification a waiting promotion raises: Review… opens the review panel (Approve Promotion),
 * Reject… the same panel with Reject focused. It stays until the promotion is decided; while the
 * review of this request is open it waits for the panel instead.
 */
export class ApprovalPrompts implements vscode.Disposable {
  private readonly asked = new Map<string, number>();
  private readonly settled = new Set<string>();
  private readonly shownEmitter = new vscode.EventEmitter<ApprovalRequest>();
  private readonly settledEmitter = new vscode.EventEmitter<string>();
  private disposed = false;
  /** Fires each time a notification is shown (tests, the status bar). */
  readonly onDidPrompt = this.shownEmitter.event;

  constructor(
    private readonly log: ExtensionLog,
    private readonly reviews?: ReviewState,
  ) {}

  /** Shows the notification unless this request was already shown or decided. */
  prompt(request: ApprovalRequest): void {
    if (this.asked.has(request.requestId) || this.settled.has(request.requestId)) return;
    this.asked.set(request.requestId, Date.now());
    void this.ask(request).catch(err => this.log.warn(`Approval notification for ${request.stage}: ${(err as Error).message}`));
  }

  /** The request was decided (here or elsewhere): a later click is not offered again. */
  settle(requestId: string): void {
    if (this.settled.has(requestId)) return;
    this.settled.add(requestId);
    this.settledEmitter.fire(requestId);
  }

  /** Settles every request asked before `since` that no longer waits (decided in a terminal, expired). */
  settleAllBut(waiting: Set<string>, since: number): void {
    for (const [requestId, at] of this.asked) if (at < since && !waiting.has(requestId)) this.settle(requestId);
  }

  private async ask(request: ApprovalRequest): Promise<void> {
    const { stack, stage } = request;
    const id = request.requestId;
    const where = request.elsewhere ? ' (run started outside this window)' : '';
    const message = `${stack.name}: promote ${request.commit.slice(0, 8)} to ${stage}?${where}`;
    const target = { stackRoot: stack.root, stage, runId: request.runId };
    while (!this.settled.has(id) && !this.disposed) {
      if (this.reviews?.isOpen(id)) {
        await this.until(this.reviews.onDidChange);
        continue;
      }
      this.shownEmitter.fire(request);
      const choice = await Promise.race([
        vscode.window.showInformationMessage(message, 'Review…', 'Reject…'),
        this.delay(RESHOW_MS).then(() => RESHOW),
        this.until(this.settledEmitter.event, s => s === id).then(() => RESHOW),
      ]);
      if (choice === RESHOW) continue;
      if (this.settled.has(id)) {
        if (choice) void vscode.window.showInformationMessage(`The promotion to ${stage} was already decided.`);
        return;
      }
      if (choice === 'Review…') await vscode.commands.executeCommand(COMMANDS.approvePromotion, target);
      else if (choice === 'Reject…') await vscode.commands.executeCommand(COMMANDS.rejectPromotion, target);
      // Closed without an answer: shown again (the status bar item and the tree's badge stay too).
    }
  }

  private delay(ms: number): Promise<void> {
    return new Promise(resolve => setTimeout(resolve, ms));
  }

  private until<T>(event: vscode.Event<T>, match: (value: T) => boolean = () => true): Promise<void> {
    return new Promise(resolve => {
      const sub = event(value => {
        if (!match(value)) return;
        sub.dispose();
        resolve();
      });
      // Never waits past the re-show interval: a missed event costs one re-check, not a lost prompt.
      setTimeout(() => (sub.dispose(), resolve()), RESHOW_MS);
    });
  }

  dispose(): void {
    this.disposed = true;
    this.shownEmitter.dispose();
    this.settledEmitter.dispose();
  }
}
