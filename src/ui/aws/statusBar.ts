import * as vscode from 'vscode';
import { toStagecraftError } from '../../core/errors';
import { loadAws } from '../../aws/load';
import type { AwsProvider } from '../../aws/provider';
import { COMMANDS } from '../ids';
import type { ExtensionLog } from '../log';

/** What the status bar shows about the AWS identity. */
type Shown = { state: 'unchecked' } | { state: 'checking' } | { state: 'ok'; account: string; arn: string; region?: string } | { state: 'error'; message: string };

/**
 * `$(cloud) profile · account · region`, from STS GetCallerIdentity. Shown only while a stack of
 * the workspace has an AWS stage; the identity is asked for after activation (never during it),
 * and again when the profile or the endpoint changes. Clicking it selects another profile.
 */
export class AwsStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('stagecraft.aws', vscode.StatusBarAlignment.Left, 50);
  private shown: Shown = { state: 'unchecked' };
  private generation = 0;
  private visible = false;
  /** Failed checks of the last AWS doctor run, shown after the identity. */
  private doctor: { failed: number; summary?: string } = { failed: 0 };

  constructor(
    private readonly profile: () => string | undefined,
    private readonly log: ExtensionLog,
    private readonly awsProvider: () => Promise<AwsProvider>,
  ) {
    this.item.name = 'Stagecraft AWS identity';
    this.item.command = COMMANDS.selectAwsProfile;
    this.render();
  }

  /** Shows or hides the item; the first time it is shown, the identity is checked. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (!visible) return this.item.hide();
    this.item.show();
    if (this.shown.state === 'unchecked') void this.refresh();
  }

  /** Asks STS again (after a profile or endpoint change); an older answer arriving late is dropped. */
  async refresh(): Promise<void> {
    const generation = ++this.generation;
    this.shown = { state: 'checking' };
    this.render();
    if (!this.visible) {
      this.shown = { state: 'unchecked' };
      return;
    }
    try {
      const [aws, provider] = await Promise.all([loadAws(), this.awsProvider()]);
      const id = await aws.callerIdentity(provider.pool.get({}));
      if (generation !== this.generation) return;
      this.shown = { state: 'ok', account: id.account, arn: id.arn, region: id.region };
    } catch (err) {
      if (generation !== this.generation) return;
      const e = toStagecraftError(err);
      this.shown = { state: 'error', message: e.hint ? `${e.message} ${e.hint}` : e.message };
      this.log.warn(`AWS identity: ${this.shown.message}`);
    }
    this.render();
  }

  /** What the last AWS doctor run found (src/ui/aws/doctorReport.ts). */
  setDoctor(failed: number, summary?: string): void {
    this.doctor = { failed, summary };
    this.render();
  }

  private render(): void {
    const profile = this.profile() ?? 'default';
    const s = this.shown;
    switch (s.state) {
      case 'unchecked':
      case 'checking':
        this.item.text = `$(cloud) ${profile}${s.state === 'checking' ? ' $(loading~spin)' : ''}`;
        this.item.tooltip = `AWS profile for Stagecraft: ${profile}. Click to select another.`;
        this.item.backgroundColor = undefined;
        break;
      case 'ok': {
        const doctor = this.doctor.failed ? ` $(warning) doctor: ${this.doctor.failed} failed` : '';
        this.item.text = `$(cloud) ${[profile, s.account, s.region].filter(Boolean).join(' · ')}${doctor}`;
        const failed = this.doctor.failed ? `\n\n**AWS doctor:** ${this.doctor.failed} check(s) failed — ${this.doctor.summary ?? ''} (see the Stagecraft log, or run \`stagecraft aws doctor\`)` : '';
        this.item.tooltip = new vscode.MarkdownString(`**AWS** (Stagecraft)\n\nProfile: ${profile}\n\nAccount: ${s.account}\n\nRegion: ${s.region ?? 'not set'}\n\nIdentity: \`${s.arn}\`${failed}\n\nClick to select another profile.`);
        this.item.backgroundColor = this.doctor.failed ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
        break;
      }
      case 'error':
        this.item.text = `$(warning) ${profile}: no AWS access`;
        this.item.tooltip = `${s.message}\n\nClick to select another profile.`;
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
        break;
    }
  }

  dispose(): void {
    this.generation++;
    this.item.dispose();
  }
}
