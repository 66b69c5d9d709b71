import * as vscode from 'vscode';
import type { Stack } from '../../core/model';
import type { RunEvent, RunRecord } from '../../core/pipeline';
import { redactor } from '../../core/redact';
import type { ApprovalPrompts } from './approvalPrompts';
import { runHeader, RunOutputFormat, runToast } from './runOutputFormat';

export const SHOW_RUN_OUTPUT = 'stagecraft.showRunOutput';

/** The one output channel of every run started or followed in this window. */
export const RUNS_CHANNEL = 'Stagecraft Runs';

export interface PresenterOptions {
  /** Progress notification text (the step running). */
  report?: (message: string) => void;
  /** Show the channel when the run starts (default true). */
  reveal?: boolean;
}

interface ActiveRun {
  runId: string;
  stack: Stack;
  text: string;
  icon: string;
  startedAt: number;
}

/**
 * The progress of pipeline runs started in this window: one "Stagecraft Runs" output channel for
 * all of them, each run starting with a header line (run id, commit, stages, time), then
 * timestamps, step boundaries and durations, the outcome; a status bar item for the active run
 * that opens the channel, and the approval notification when a stage waits.
 */
export class RunProgress implements vscode.Disposable {
  private channel_: vscode.OutputChannel | undefined;
  private readonly statusBar = vscode.window.createStatusBarItem('stagecraft.runProgress', vscode.StatusBarAlignment.Left, 49);
  private readonly appended = new vscode.EventEmitter<{ runId: string; lines: string[] }>();
  private readonly tracked = new Set<string>();
  private active: ActiveRun | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private hideTimer: NodeJS.Timeout | undefined;

  /** Fires with the lines appended to a run's channel. */
  readonly onDidAppend = this.appended.event;

  constructor(private readonly approvals: ApprovalPrompts) {
    this.statusBar.name = 'Stagecraft pipeline run';
  }

  /** Whether a run is shown by this window (its approvals are prompted from its events). */
  isTracked(runId: string): boolean {
    return this.tracked.has(runId);
  }

  /** The runs' channel, made on first use. */
  channel(): vscode.OutputChannel {
    this.channel_ ??= vscode.window.createOutputChannel(RUNS_CHANNEL);
    return this.channel_;
  }

  /**
   * The one-line notification at the end of a run, with "Show Output" (warning level when the
   * run has warnings). A cancelled run shows none: the user cancelled it.
   */
  notify(run: RunRecord): void {
    const toast = runToast(run);
    if (!toast) return;
    const show = toast.level === 'error' ? vscode.window.showErrorMessage : toast.level === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(toast.text, 'Show Output').then(choice => choice && this.show(run.id));
  }

  /** Shows the runs' channel (every run is in it; `runId` is accepted for the callers that name one). */
  show(_runId?: string): void {
    this.channel().show(true);
  }

  /**
   * The event sink for one run of `stack`: pass it as the run's `onEvent` (startRelease,
   * startRun) or call it from yours. The channel is created at `run-started`.
   */
  presenter(stack: Stack, options: PresenterOptions = {}): (event: RunEvent) => void {
    const format = new RunOutputFormat();
    let runId: string | undefined;
    let commit = '';
    let artifact: string | undefined;
    return (event: RunEvent) => {
      if (event.type === 'run-started') {
        runId = event.run.id;
        commit = event.run.commit;
        artifact = event.run.artifact?.id;
        this.open(runId, stack, options.reveal ?? true);
        this.append(runId, ['', runHeader(event.run, event.resumed)]);
      }
      if (!runId) return;
      this.append(runId, format.lines(event));
      switch (event.type) {
        case 'step-started':
          options.report?.(event.step.label);
          this.status(runId, stack, 'sync~spin', event.step.label);
          break;
        case 'step-finished':
          if (event.step.kind === 'artifact' && event.step.outputs?.artifact) artifact = event.step.outputs.artifact;
          if (event.step.kind === 'source' && event.step.outputs?.commit) commit = event.step.outputs.commit;
          break;
        case 'awaiting-approval':
          options.report?.(`${event.stage} waits for approval`);
          this.status(runId, stack, 'bell', `${event.stage} waits for approval`);
          if (event.step.approval) {
            this.approvals.prompt({ stack, stage: event.stage, runId, requestId: event.step.approval.requestId, commit, artifact, expiresAt: event.step.approval.expiresAt });
          }
          break;
        case 'approval-decided':
          this.approvals.settle(event.approval.requestId);
          break;
        case 'run-finished':
          this.finished(runId, event.run.status);
          break;
      }
    };
  }

  private open(runId: string, stack: Stack, reveal: boolean): void {
    this.tracked.add(runId);
    if (reveal) this.channel().show(true);
    this.active = { runId, stack, text: 'starting', icon: 'sync~spin', startedAt: Date.now() };
    if (this.hideTimer) clearTimeout(this.hideTimer);
    this.render();
    this.ticker ??= setInterval(() => this.render(), 1000);
  }

  private append(runId: string, lines: string[]): void {
    if (lines.length === 0) return;
    const channel = this.channel();
    const safe = lines.map(l => redactor.redact(l));
    for (const line of safe) channel.appendLine(line);
    this.appended.fire({ runId, lines: safe });
  }

  private status(runId: string, stack: Stack, icon: string, text: string): void {
    if (this.active?.runId !== runId) this.active = { runId, stack, text, icon, startedAt: Date.now() };
    this.active.text = text;
    this.active.icon = icon;
    this.render();
  }

  private finished(runId: string, status: string): void {
    if (this.active?.runId !== runId) return;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    const icon = status === 'succeeded' ? 'check' : status === 'cancelled' ? 'circle-slash' : 'error';
    this.active = { ...this.active, icon, text: status };
    this.render(false);
    // The outcome stays a while, still opening the channel, then the item goes.
    this.hideTimer = setTimeout(() => {
      if (this.active?.runId === runId) {
        this.active = undefined;
        this.statusBar.hide();
      }
    }, 30_000);
  }

  private render(withClock = true): void {
    const a = this.active;
    if (!a) return;
    const secs = Math.floor((Date.now() - a.startedAt) / 1000);
    const clock = withClock ? ` ${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')}` : '';
    this.statusBar.text = `$(${a.icon}) ${a.stack.name}: ${a.text}${clock}`;
    this.statusBar.tooltip = `Stagecraft run ${a.runId}: click to show the runs' output`;
    this.statusBar.command = { title: 'Show Run Output', command: SHOW_RUN_OUTPUT, arguments: [a.runId] };
    this.statusBar.show();
  }

  dispose(): void {
    if (this.ticker) clearInterval(this.ticker);
    if (this.hideTimer) clearTimeout(this.hideTimer);
    this.channel_?.dispose();
    this.statusBar.dispose();
    this.appended.dispose();
  }
}
