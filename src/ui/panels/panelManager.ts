import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { HostChannel, type RequestHandlers } from '../../protocol/channel';
import type { PanelDraft, PanelInit, PanelKind } from '../../protocol/messages';
import { panelHtml } from '../../protocol/shell';
import type { ExtensionLog } from '../log';
import type { StackWorkspace } from '../stackWorkspace';
import { closeChoice, DONT_SAVE, KeptEdits, REOPEN, titleFor, type SaveOnClose } from './unsavedEdits';

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
  /** For panels that edit: how unsaved edits are saved when the panel is closed with them. */
  saveOnClose?: SaveOnClose<never>;
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
  /** The page's unsaved edits, as it last reported them (kept in memory only, never logged). */
  draft?: PanelDraft;
}

/**
 * Owns every open panel: one per stage and kind (createOrShow reveals an open one), each with a
 * strict CSP, its own nonce and resource roots limited to the built pages and media/. Re-sends
 * each panel's data when stagecraft.yaml changes and closes a panel whose stage is gone.
 */
export class PanelManager implements vscode.Disposable {
  private readonly open = new Map<string, OpenPanel>();
  private readonly subscription: vscode.Disposable;
  /** Edits of panels closed with them, by panel key (memory only: gone with the window). */
  private readonly kept = new KeptEdits<PanelSpec, PanelDraft>();
  /** Set while the extension shuts down: panels then close without questions. */
  private disposing = false;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly workspace: StackWorkspace,
    private readonly log: ExtensionLog,
  ) {
    this.subscription = workspace.onDidChange(() => void this.onStacksChanged());
  }

  /** Opens the panel of `spec` (or reveals it); a panel closed with unsaved edits opens with them. */
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

    let restore = this.kept.take(spec.key);
    const roots = [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(this.extensionUri, 'media')];
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPES[spec.kind], spec.title, vscode.ViewColumn.Active, {
      enableScripts: true,
      enableCommandUris: false,
      enableForms: false,
      localResourceRoots: roots,
      retainContextWhenHidden: false,
    });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'stagecraft.svg');
    // A panel that closes itself (after Create, …) has nothing unsaved left to ask about.
    const behaviour = spec.build({ close: () => ((entry.draft = undefined), panel.dispose()) });
    const entry: OpenPanel = { panel, behaviour, waiting: [], interactive: false, channel: undefined as unknown as HostChannel };
    entry.channel = new HostChannel({
      panel: spec.kind,
      post: message => panel.webview.postMessage(message),
      // A reopened panel starts from the edits it was closed with (once: later refreshes are the file's).
      loadInit: async () => {
        const init = await behaviour.loadInit();
        if (!restore || restore.panel !== init.panel) return init;
        const restored = restore;
        restore = undefined;
        return { ...init, restored } as PanelInit;
      },
      handlers: behaviour.handlers,
      log: line => this.log.warn(line),
      onInteractive: () => {
        entry.interactive = true;
        for (const resolve of entry.waiting.splice(0)) resolve();
      },
      onEdits: (dirty, draft) => {
        entry.draft = dirty ? draft : undefined;
        panel.title = titleFor(spec.title, dirty);
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
      if (entry.draft && spec.saveOnClose && !this.disposing) void this.askToSave(spec, entry.draft);
    });
    this.open.set(spec.key, entry);
    panel.webview.html = panelHtml({
      panel: spec.kind,
      title: TITLES[spec.kind],
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', `${spec.kind}.js`)).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'panels', 'panels.css')).toString(),
      cspSource: panel.webview.cspSource,
      nonce: randomBytes(18).toString('base64'),
      styleNonce: randomBytes(18).toString('base64'),
    });
    return { key: spec.key, interactive };
  }

  /**
   * A panel closed with unsaved edits (a webview cannot veto its closing): the edits are kept, and
   * a notification asks "Save changes?". Save writes them as the panel's Save would; Don't Save
   * drops them; Reopen (or opening the panel again any other way) brings the panel back with them;
   * a dismissed notification leaves them for the panel's next opening. A save that fails says why
   * and keeps them too. Not modal: the panel is already gone, and nothing else should be blocked.
   */
  private async askToSave(spec: PanelSpec, draft: PanelDraft): Promise<void> {
    const saving = spec.saveOnClose as SaveOnClose | undefined;
    if (!saving) return;
    this.kept.keep(spec.key, spec, draft);
    const answer = await vscode.window.showWarningMessage(saving.question(draft), saving.saveLabel, DONT_SAVE, REOPEN);
    // Answered late: the panel may have been opened again meanwhile, and then owns the edits.
    if (this.disposing || !this.kept.holds(spec.key, draft)) return;
    const choice = closeChoice(answer, saving.saveLabel);
    if (choice === 'keep') return;
    if (choice === 'reopen') {
      this.createOrShow(spec);
      return;
    }
    this.kept.take(spec.key);
    if (choice === 'discard') return;
    try {
      await saving.save(draft);
      this.log.info(`Saved the edits of ${spec.title} after it was closed`);
    } catch (err) {
      this.kept.keep(spec.key, spec, draft);
      const reopen = await vscode.window.showErrorMessage(`Not saved: ${(err as Error).message} Your edits are kept.`, REOPEN);
      if (reopen === REOPEN && !this.disposing && this.kept.holds(spec.key, draft)) this.createOrShow(spec);
    }
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
          entry.draft = undefined; // nothing to save them to
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
    this.disposing = true;
    this.subscription.dispose();
    for (const entry of [...this.open.values()]) entry.panel.dispose();
  }
}
