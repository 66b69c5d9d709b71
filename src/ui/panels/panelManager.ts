import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { HostChannel, type RequestHandlers } from '../../protocol/channel';
import type { PanelInit, PanelKind } from '../../protocol/messages';
import { panelHtml } from '../../protocol/shell';
import type { ExtensionLog } from '../log';
import type { StackWorkspace } from '../stackWorkspace';

/** What one panel is about and how it answers: built once per open panel. */
export interface PanelBehaviour {
  loadInit(): Promise<PanelInit>;
  handlers: RequestHandlers;
  /** false once the panel's stage (or stack) is gone for good: the panel then closes. */
  stillExists(): Promise<boolean>;
}

export interface PanelSpec {
  kind: PanelKind;
  /** One panel per key: `<kind>|<stack file>|<stage>`. */
  key: string;
  /** The tab's title; VS Code renders it as text. */
  title: string;
  build(panel: PanelControl): PanelBehaviour;
}

/** What a panel's behaviour may do to its own panel. */
export interface PanelControl {
  close(): void;
}

/** What opening a panel gives back (the command's result): for the tests and the benchmark. */
export interface OpenedPanel {
  key: string;
  /** Resolves with the milliseconds from the command to a rendered, focusable form. */
  interactive: Promise<number>;
}

/** Webview view types; package.json needs none of them (panels are not restored after a reload). */
export const PANEL_VIEW_TYPES: Record<PanelKind, string> = {
  addStage: 'stagecraft.panel.addStage',
  environment: 'stagecraft.panel.environment',
  origins: 'stagecraft.panel.origins',
  database: 'stagecraft.panel.database',
};

const TITLES: Record<PanelKind, string> = {
  addStage: 'Add Stage',
  environment: 'Environment Variables',
  origins: 'Origins',
  database: 'Database Secret',
};

interface OpenPanel {
  panel: vscode.WebviewPanel;
  channel: HostChannel;
  behaviour: PanelBehaviour;
  /** Resolvers waiting for the page's next "interactive". */
  waiting: Array<() => void>;
  interactive: boolean;
}

/**
 * Owns every open panel: one per stage and kind (createOrShow reveals an open one), each with a
 * strict CSP, its own nonce and resource roots limited to the built pages and media/. Re-sends
 * each panel's data when stagecraft.yaml changes and closes a panel whose stage is gone.
 */
export class PanelManager implements vscode.Disposable {
  private readonly open = new Map<string, OpenPanel>();
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly workspace: StackWorkspace,
    private readonly log: ExtensionLog,
  ) {
    this.subscription = workspace.onDidChange(() => void this.onStacksChanged());
  }

  createOrShow(spec: PanelSpec): OpenedPanel {
    const started = performance.now();
    const existing = this.open.get(spec.key);
    if (existing) {
      const wasVisible = existing.panel.visible;
      existing.panel.reveal(undefined, false);
      // A hidden panel's page is rebuilt on reveal (and restores its draft); a visible one is ready now.
      const interactive = wasVisible && existing.interactive ? Promise.resolve(performance.now() - started) : this.nextInteractive(existing, started);
      return { key: spec.key, interactive };
    }

    const roots = [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(this.extensionUri, 'media')];
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPES[spec.kind], spec.title, vscode.ViewColumn.Active, {
      enableScripts: true,
      enableCommandUris: false,
      enableForms: false,
      localResourceRoots: roots,
      retainContextWhenHidden: false,
    });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'stagecraft.svg');
    const behaviour = spec.build({ close: () => panel.dispose() });
    const entry: OpenPanel = { panel, behaviour, waiting: [], interactive: false, channel: undefined as unknown as HostChannel };
    entry.channel = new HostChannel({
      panel: spec.kind,
      post: message => panel.webview.postMessage(message),
      loadInit: () => behaviour.loadInit(),
      handlers: behaviour.handlers,
      log: line => this.log.warn(line),
      onInteractive: () => {
        entry.interactive = true;
        for (const resolve of entry.waiting.splice(0)) resolve();
      },
    });
    const interactive = this.nextInteractive(entry, started);
    panel.webview.onDidReceiveMessage(message => void entry.channel.receive(message));
    panel.onDidChangeViewState(() => {
      // Hidden pages are torn down; the next reveal loads the page again, which says "interactive" again.
      if (!panel.visible) entry.interactive = false;
    });
    panel.onDidDispose(() => {
      entry.channel.dispose();
      this.open.delete(spec.key);
    });
    this.open.set(spec.key, entry);
    panel.webview.html = panelHtml({
      panel: spec.kind,
      title: TITLES[spec.kind],
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', `${spec.kind}.js`)).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'panels', 'panels.css')).toString(),
      cspSource: panel.webview.cspSource,
      nonce: randomBytes(18).toString('base64'),
    });
    return { key: spec.key, interactive };
  }

  /** Keys of the open panels, for the tests. */
  openKeys(): string[] {
    return [...this.open.keys()];
  }

  private nextInteractive(entry: OpenPanel, started: number): Promise<number> {
    return new Promise(resolve => entry.waiting.push(() => resolve(performance.now() - started)));
  }

  private async onStacksChanged(): Promise<void> {
    for (const [key, entry] of [...this.open]) {
      try {
        if (!(await entry.behaviour.stillExists())) {
          this.log.info(`Closing ${entry.panel.title}: its stage is gone from stagecraft.yaml`);
          entry.panel.dispose();
          continue;
        }
        await entry.channel.refresh();
      } catch (err) {
        this.log.warn(`Panel ${key}: ${(err as Error).message}`);
      }
    }
  }

  dispose(): void {
    this.subscription.dispose();
    for (const entry of [...this.open.values()]) entry.panel.dispose();
  }
}
