import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { listRuns, pendingApprovalsOf, readRun, runOfFile } from '../../core/pipeline';
import type { ExtensionLog } from '../log';
import { watchStateFiles } from '../stateWatch';
import type { StackWorkspace } from '../stackWorkspace';
import type { ApprovalPrompts } from './approvalPrompts';

/**
 * Runs started outside this window (`stagecraft pipeline run` in a terminal, another window) also
 * wait for approvals: their run.json says so, and this raises the same notification for them.
 * Runs of this window are left to their presenter.
 */
export function watchApprovals(workspace: StackWorkspace, prompts: ApprovalPrompts, log: ExtensionLog, isTracked: (runId: string) => boolean): vscode.Disposable {
  const timers = new Map<string, NodeJS.Timeout>();
  const ours = (owner: { pid: number; host: string } | undefined) => owner?.pid === process.pid && owner.host === os.hostname();

  const check = async (root: string, file: string) => {
    const runId = path.basename(path.dirname(file));
    if (isTracked(runId)) return;
    const stack = (await workspace.stacks()).find(s => path.resolve(s.root) === path.resolve(root));
    if (!stack) return;
    const run = await readRun(root, runId).catch(() => undefined);
    if (!run || ours(run.owner)) return;
    for (const p of pendingApprovalsOf(run).filter(p => p.live)) {
      prompts.prompt({ stack, stage: p.stage, runId, requestId: p.requestId, commit: p.commit, artifact: p.artifact, expiresAt: p.expiresAt, elsewhere: true });
    }
  };
  // run.json is rewritten at every step: look once the writes settle.
  const schedule = (root: string, uri: vscode.Uri) => {
    clearTimeout(timers.get(uri.fsPath));
    timers.set(
      uri.fsPath,
      setTimeout(() => {
        timers.delete(uri.fsPath);
        check(root, uri.fsPath).catch(err => log.warn(`Reading ${uri.fsPath} for approvals: ${(err as Error).message}`));
      }, 150),
    );
  };
  // State lives outside the workspace: one watcher per folder, based at its state folder.
  const subscriptions = [watchStateFiles('runs/*/run.json', schedule)];

  // Promotions that were already waiting when the window opened (among the latest runs: cheap at activation).
  void (async () => {
    for (const stack of await workspace.stacks()) {
      for (const run of await listRuns(stack.root, { limit: 20 }).catch(() => [])) {
        if (ours(run.owner) || isTracked(run.id)) continue;
        for (const p of pendingApprovalsOf(run).filter(p => p.live)) {
          prompts.prompt({ stack, stage: p.stage, runId: p.runId, requestId: p.requestId, commit: p.commit, artifact: p.artifact, expiresAt: p.expiresAt, elsewhere: true });
        }
      }
    }
  })().catch(err => log.warn(`Looking for waiting approvals: ${(err as Error).message}`));

  return new vscode.Disposable(() => {
    for (const t of timers.values()) clearTimeout(t);
    for (const s of subscriptions) s.dispose();
  });
}
