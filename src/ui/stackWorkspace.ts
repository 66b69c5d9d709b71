import * as vscode from 'vscode';
import { loadStackFile, STACK_FILE, type ParseResult } from '../core/config/load';
import { driftProblems } from '../core/lint/drift';
import type { Stack } from '../core/model';
import { withPersonalStages } from '../core/personal/stage';
import type { Problem } from '../core/problems';
import type { Providers } from '../core/providers';
import { CONTEXT_KEYS } from './ids';
import { LastGood } from './lastGood';
import type { ExtensionLog } from './log';
import { watchStateFiles } from './stateWatch';
import { readSettings } from './settings';

/** One workspace folder's `stagecraft.yaml`, as last read. */
export interface FolderStack {
  folder: vscode.WorkspaceFolder;
  file: vscode.Uri;
  /** Present when the file is valid, or (`stale`) the last valid stack while it is not. */
  stack?: Stack;
  /** The file has errors now; `stack` is what it said when it was last valid. */
  stale?: boolean;
  problems: Problem[];
  stageLines: number[];
  /** Set when the file could not be read at all. */
  readError?: string;
}

/**
 * Knows the stack of every workspace folder (multi-root: one per folder with a
 * `stagecraft.yaml`), keeps them fresh with file watchers, and publishes their problems as
 * diagnostics. The tree and the commands read from here.
 */
export class StackWorkspace implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('stagecraft');
  private readonly disposables: vscode.Disposable[] = [this.changed, this.diagnostics];
  private folders: Promise<FolderStack[]> | undefined;
  /** Each folder's last valid stack: a typo keeps the tree (marked stale) instead of wiping it. */
  private readonly lastGood = new LastGood<Stack>();

  constructor(
    private readonly log: ExtensionLog,
    /** The providers of this window: what `provider:` accepts and who runs each stage. */
    readonly providers: Providers,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher(`**/${STACK_FILE}`);
    // Stage state, runtime state and run records change from any process (the CLI, a daemon):
    // the tree re-reads statuses when they do, without re-reading the stack files.
    const statusFiles = ['stages/*.json', 'runs/*/run.json', ...providers.names().flatMap(n => providers.module(n)?.statusFiles ?? [])];
    const stateWatcher = watchStateFiles(`{${statusFiles.join(',')}}`, () => this.statusChanged());
    // Personal stages come and go with runs from any process: the stage list itself changes.
    const personalWatcher = watchStateFiles('personal/*.json', () => this.refresh());
    const reload = (uri: vscode.Uri) => {
      // Only a folder's own top-level stagecraft.yaml defines its stack.
      const folder = vscode.workspace.getWorkspaceFolder(uri);
      if (folder && vscode.Uri.joinPath(folder.uri, STACK_FILE).toString() === uri.toString()) this.refresh();
    };
    this.disposables.push(
      watcher,
      watcher.onDidCreate(reload),
      watcher.onDidChange(reload),
      watcher.onDidDelete(reload),
      stateWatcher,
      personalWatcher,
      { dispose: () => clearTimeout(this.statusTimer) },
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.refresh()),
    );
  }

  private statusTimer: NodeJS.Timeout | undefined;

  /** A burst of state writes (a run records every step) refreshes the tree once. */
  private statusChanged(): void {
    clearTimeout(this.statusTimer);
    this.statusTimer = setTimeout(() => this.changed.fire(), 250);
  }

  /** Every folder that has a stack file, valid or not. Loaded once, then on change. */
  all(): Promise<FolderStack[]> {
    this.folders ??= this.load();
    return this.folders;
  }

  async stacks(): Promise<Stack[]> {
    return (await this.all()).flatMap(f => (f.stack ? [f.stack] : []));
  }

  /** Forgets what was read and reads again; the tree follows through onDidChange. */
  refresh(): void {
    this.folders = undefined;
    this.changed.fire();
  }

  private async load(): Promise<FolderStack[]> {
    const started = Date.now();
    const folders = vscode.workspace.workspaceFolders ?? [];
    const loaded = await Promise.all(folders.map(folder => this.loadFolder(folder)));
    const present = loaded.filter((f): f is FolderStack => f !== undefined);
    this.publish(present);
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.hasStack, present.length > 0);
    // Create Stack can run only where a (local) folder has no stack file yet.
    const withoutStack = folders.filter(f => f.uri.scheme === 'file' && !present.some(p => p.folder.uri.toString() === f.uri.toString()));
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.folderWithoutStack, withoutStack.length > 0);
    this.log.trace(`Read ${present.length} stack file(s) in ${Date.now() - started} ms`);
    return present;
  }

  private async loadFolder(folder: vscode.WorkspaceFolder): Promise<FolderStack | undefined> {
    const file = vscode.Uri.joinPath(folder.uri, STACK_FILE);
    if (folder.uri.scheme !== 'file') return undefined;
    const key = folder.uri.toString();
    try {
      const result: (ParseResult & { file: string; text: string }) | undefined = await loadStackFile(folder.uri.fsPath, this.providers.stackSchema());
      if (!result) {
        this.lastGood.forget(key);
        return undefined;
      }
      // The developers' personal stages live in the state folder; a bad TTL setting only loses them.
      const stack = result.stack && (await withPersonalStages(result.stack, { defaultTtl: readSettings(folder).personalStageTtl }).catch(err => {
        this.log.error('Could not read the personal stages', err);
        return result.stack;
      }));
      const shown = this.lastGood.resolve(key, stack);
      return { folder, file, stack: shown.value, stale: shown.stale || undefined, problems: [...result.problems, ...driftProblems(result)], stageLines: result.stageLines };
    } catch (err) {
      this.log.error(`Could not read ${file.fsPath}`, err);
      const shown = this.lastGood.resolve(key, undefined);
      return { folder, file, stack: shown.value, stale: shown.stale || undefined, problems: [], stageLines: [], readError: (err as Error).message };
    }
  }

  private publish(folders: FolderStack[]): void {
    this.diagnostics.clear();
    for (const f of folders) {
      this.diagnostics.set(
        f.file,
        f.problems.map(p => {
          const range = new vscode.Range(p.line - 1, p.column - 1, p.endLine - 1, Math.max(p.endColumn - 1, p.column));
          const d = new vscode.Diagnostic(range, p.field ? `${p.field}: ${p.message}` : p.message, p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
          d.source = 'stagecraft';
          if (p.code) d.code = p.code;
          return d;
        }),
      );
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
