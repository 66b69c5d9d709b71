import * as vscode from 'vscode';
import { StagecraftError } from '../../core/errors';
import { registerCommand } from '../commandWrapper';
import type { ExtensionLog } from '../log';
import type { RunProgress } from '../progress';
import type { StackWorkspace } from '../stackWorkspace';
import { DriftCodeActions } from './driftCodeActions';
import { RELEASES } from './ids';
import { ReleasesTreeProvider } from './releasesTree';
import { promoteRelease, type PromoteRequest } from './promoteCommand';
import { rollBackStage } from './rollBackCommand';

/** The Releases view (the ledger), Roll Back Stage…, Promote This Release to…, its stage filter, and the drift quick fix. */
export function registerReleases(context: vscode.ExtensionContext, log: ExtensionLog, workspace: StackWorkspace, progress: RunProgress): ReleasesTreeProvider {
  const tree = new ReleasesTreeProvider(workspace);
  const view = vscode.window.createTreeView(RELEASES.view, { treeDataProvider: tree, showCollapseAll: true });
  context.subscriptions.push(
    tree,
    view,
    vscode.languages.registerCodeActionsProvider({ scheme: 'file', pattern: '**/stagecraft.yaml' }, new DriftCodeActions(), { providedCodeActionKinds: DriftCodeActions.kinds }),
  );
  registerCommand(context, log, RELEASES.rollBackStage, (arg?: unknown) => rollBackStage(workspace, progress, arg));
  registerCommand(context, log, RELEASES.promoteRelease, (arg?: unknown, request?: PromoteRequest) => promoteRelease(workspace, progress, arg, request));
  registerCommand(context, log, RELEASES.refreshReleases, () => tree.refresh());
  registerCommand(context, log, RELEASES.filterReleases, async (stage?: string) => {
    const names = [...new Set((await workspace.stacks()).flatMap(s => s.stages.map(st => st.name)))];
    let chosen: string | undefined = typeof stage === 'string' ? stage : undefined;
    if (typeof stage !== 'string') {
      const items = [{ label: 'All stages', stage: undefined as string | undefined }, ...names.map(n => ({ label: n, stage: n as string | undefined }))];
      const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Show the releases of which stage?' });
      if (!picked) throw StagecraftError.cancelled();
      chosen = picked.stage;
    }
    if (chosen !== undefined && !names.includes(chosen)) throw new StagecraftError(`No stage named "${chosen}" in this workspace.`, { kind: 'input' });
    tree.setFilter(chosen);
    view.description = chosen ? `stage: ${chosen}` : undefined;
  });
  return tree;
}
