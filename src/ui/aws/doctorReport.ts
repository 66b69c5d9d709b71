import * as vscode from 'vscode';
import { toStagecraftError } from '../../core/errors';
import type { Stack } from '../../core/model';
import { AWS_PROVIDER, loadAws } from '../../aws/load';
import type { AwsProvider } from '../../aws/provider';
import type { ExtensionLog } from '../log';

/** The read-only document "Show Doctor Report" opens: stagecraft-aws-doctor:/<stack>.txt */
export const DOCTOR_SCHEME = 'stagecraft-aws-doctor';

/**
 * `stagecraft aws doctor` in the editor: run once per window (and after a profile or endpoint
 * change) for each stack with AWS stages; when a check fails — a quota too low, a certificate not
 * ISSUED, a connection not AVAILABLE — a notification says which, with "Show Doctor Report"
 * opening the whole report read-only. `onResult` tells the status bar how many failed.
 */
export class AwsDoctor implements vscode.Disposable {
  private readonly reports = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly registration: vscode.Disposable;
  private generation = 0;

  constructor(
    private readonly log: ExtensionLog,
    private readonly awsProvider: () => Promise<AwsProvider>,
    private readonly onResult: (failed: number, summary: string | undefined) => void,
  ) {
    const reports = this.reports;
    this.registration = vscode.workspace.registerTextDocumentContentProvider(DOCTOR_SCHEME, {
      onDidChange: this.changed.event,
      provideTextDocumentContent: uri => reports.get(uri.path.replace(/^\//, '').replace(/\.txt$/, '')) ?? 'No AWS doctor report for this stack yet.',
    });
  }

  /** Checks every stack; an older run finishing late is dropped. Never throws: a failure is logged. */
  async run(stacks: Stack[]): Promise<void> {
    const generation = ++this.generation;
    const failedChecks: string[] = [];
    let failedStack: string | undefined;
    try {
      const [aws, provider] = await Promise.all([loadAws(), this.awsProvider()]);
      for (const stack of stacks) {
        const stage = stack.stages.find(s => s.provider === AWS_PROVIDER);
        if (!stage) continue;
        const report = await aws.runDoctor(provider.clientsFor(stage), stack);
        if (generation !== this.generation) return;
        const text = [`stagecraft aws doctor — ${stack.name} (${new Date().toISOString()})`, '', ...aws.formatDoctorReport(report, aws.PRICES), ''].join('\n');
        this.reports.set(stack.name, text);
        this.changed.fire(this.uri(stack.name));
        // No credentials: the status bar already says "no AWS access"; nothing else could be checked.
        const failed = report.checks.some(c => c.what === 'credentials' && c.status === 'fail') ? [] : report.checks.filter(c => c.status === 'fail');
        if (failed.length) {
          failedStack ??= stack.name;
          failedChecks.push(...failed.map(c => `${stack.name}: ${c.what}`));
          this.log.warn(`AWS doctor (${stack.name}): ${failed.map(c => `${c.what}: ${c.detail.split('\n')[0]}`).join('; ')}`);
        }
      }
    } catch (err) {
      this.log.warn(`AWS doctor: ${toStagecraftError(err).message}`);
      return;
    }
    if (generation !== this.generation) return;
    this.onResult(failedChecks.length, failedChecks.length ? failedChecks.join(', ') : undefined);
    if (failedStack) {
      const stack = failedStack;
      void vscode.window.showWarningMessage(`Stagecraft AWS doctor: ${failedChecks.length} check(s) failed (${failedChecks.join(', ')}). A deploy may fail.`, 'Show Doctor Report').then(choice => {
        if (choice) void this.show(stack);
      });
    }
  }

  /** Opens the stack's report (read-only, from memory: nothing written to the workspace). */
  async show(stack?: string): Promise<void> {
    const name = stack ?? [...this.reports.keys()][0];
    if (!name) return;
    const doc = await vscode.workspace.openTextDocument(this.uri(name));
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  private uri(stack: string): vscode.Uri {
    return vscode.Uri.from({ scheme: DOCTOR_SCHEME, path: `/${stack}.txt` });
  }

  dispose(): void {
    this.generation++;
    this.registration.dispose();
    this.changed.dispose();
  }
}
