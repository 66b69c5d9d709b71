import * as vscode from 'vscode';
import { awsModule } from './aws/module';
import { Providers } from './core/providers';
import type { ProviderModule } from './core/providerModule';
import { localModule } from './local/module';
import { registerAws } from './ui/aws';
import { onDidReportError } from './ui/commandWrapper';
import { registerPipelineCommands } from './ui/commands/pipelineCommands';
import { registerPersonalStages } from './ui/personalStages';
import { registerStackCommands } from './ui/commands/stackCommands';
import { registerStageRowCommands } from './ui/commands/stageRowCommands';
import { registerTailLogs } from './ui/logs';
import { registerPanels } from './ui/panels';
import { registerRunProgress, type RunProgress } from './ui/progress';
import { registerReleases } from './ui/releases';
import type { ReleasesTreeProvider } from './ui/releases/releasesTree';
import { registerScanning } from './ui/scan';
import { VIEWS } from './ui/ids';
import { ExtensionLog } from './ui/log';
import { StackWorkspace } from './ui/stackWorkspace';
import { applyStateHomeSetting, forwardStagecraftNotices, migrateWorkspaceState } from './ui/stateHome';
import { StacksTreeProvider } from './ui/tree';
import { registerCliOnTerminalPath } from './ui/terminalPath';
import { registerGettingStarted } from './ui/gettingStarted';

/** What activate() hands back: used by the integration tests and the activation benchmark. */
export interface StagecraftApi {
  activatedAt: number;
  /** Resolves with the number of root items once the tree has first produced them. */
  firstTreeItems: Promise<number>;
  /** When VS Code first asked the tree for items and when they were ready, for the activation benchmark. */
  firstTreeItemsTiming: { requestedAt?: number; readyAt?: number };
  workspace: StackWorkspace;
  tree: StacksTreeProvider;
  /** The window's providers; `register(module)` adds one (returns a disposable that removes it). */
  providers: Pick<Providers, 'register' | 'names'>;
  /** The Releases view (the ledger). */
  releases: ReleasesTreeProvider;
  /** Runs shown in this window: `onDidAppend` fires with the lines written to "Stagecraft Runs". */
  runs: Pick<RunProgress, 'onDidAppend'>;
  /** Fires with each error message the command wrapper shows. */
  onDidReportError: typeof onDidReportError;
}

/**
 * Activation stays cheap: it wires the tree and the commands; stack files are read when the
 * tree first asks, and heavy modules (AWS SDK, secretlint) load on first use elsewhere.
 */
export function activate(context: vscode.ExtensionContext): StagecraftApi {
  const activatedAt = Date.now();
  // The composition root: the one place in the extension that names the providers. `local`
  // first: it is the default `provider:` of a stage.
  const providers = new Providers([], { setting: key => hostSetting(context, key) });
  const modules: ProviderModule[] = [localModule, awsModule];
  context.subscriptions.push(...modules.map(m => providers.register(m)));
  const log = new ExtensionLog();
  applyStateHomeSetting(context, { log, providers });
  forwardStagecraftNotices(context, log);
  const workspace = new StackWorkspace(log, providers);
  const tree = new StacksTreeProvider(workspace);
  const view = vscode.window.createTreeView(VIEWS.stacks, { treeDataProvider: tree, showCollapseAll: true });
  context.subscriptions.push(log, workspace, tree, view);
  registerStackCommands(context, log, workspace);
  registerStageRowCommands(context, log);
  registerTailLogs(context, log, workspace);
  const runProgress = registerRunProgress(context, log, workspace, view);
  registerPipelineCommands(context, log, workspace, runProgress);
  registerPersonalStages(context, log, workspace);
  registerPanels(context, log, workspace);
  registerScanning(context, log, workspace);
  registerAws(context, log, workspace);
  const releases = registerReleases(context, log, workspace, runProgress);
  void migrateWorkspaceState(log, providers).catch(err => log.warn(`Moving .stagecraft/ out of the workspace: ${(err as Error).message}`));
  registerCliOnTerminalPath(context, log);
  registerGettingStarted(context, log);
  // Read the stack files now so the tree and the welcome view have an answer when shown.
  void workspace.all();
  log.info(`Activated in ${Date.now() - activatedAt} ms`);
  return {
    activatedAt,
    firstTreeItems: tree.firstItemsShown,
    firstTreeItemsTiming: tree.firstItemsTiming,
    workspace,
    tree,
    releases,
    runs: runProgress,
    providers: {
      names: () => providers.names(),
      register: module => {
        const registration = providers.register(module);
        workspace.refresh();
        return { dispose: () => (registration.dispose(), workspace.refresh()) };
      },
    },
    onDidReportError,
  };
}

/**
 * A provider's setting: what the user picked in this workspace (Select AWS Profile stores
 * `stagecraft.aws.profile`), else the `stagecraft.<key>` setting. Read at every use.
 */
function hostSetting(context: vscode.ExtensionContext, key: string): string | undefined {
  return context.workspaceState.get<string>(`stagecraft.${key}`) || vscode.workspace.getConfiguration('stagecraft').get<string>(key) || undefined;
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions.
}
