import * as vscode from 'vscode';
import { StagecraftError } from '../../core/errors';
import { loadLedger } from '../../core/ledger';
import type { Stack } from '../../core/model';
import { listRuns, type RunRecord } from '../../core/pipeline';
import { runExecutor } from '../../core/pipeline/sourceChecks';
import { findRecordedRelease, promotionTargets, startPromotion } from '../../core/promote';
import { findStage } from '../../core/release';
import { readRepoFacts } from '../../git/repo';
import { toAbortSignal } from '../cancellation';
import type { RunProgress } from '../progress';
import type { StackWorkspace } from '../stackWorkspace';
import type { ReleaseNode } from './releasesTree';

/** What "Promote This Release to…" may be given: a commit or attempt of the Releases view, or a stage name to skip the question (tests, keybindings). */
export interface PromoteRequest {
  stage?: string;
}

/**
 * Promote This Release to…: a commit of the Releases view goes to a later stage it has not reached,
 * picked from the promotion order; its recorded artifact is deployed through that stage's gates
 * (no rebuild, no build checks), the same path as Roll Back Stage. From the palette, pick the
 * release first.
 */
export async function promoteRelease(workspace: StackWorkspace, progress: RunProgress, arg?: unknown, request?: PromoteRequest): Promise<RunRecord> {
  const node = arg && typeof arg === 'object' && ((arg as ReleaseNode).kind === 'commit' || (arg as ReleaseNode).kind === 'attempt') ? (arg as Extract<ReleaseNode, { kind: 'commit' | 'attempt' }>) : undefined;
  const { stack, commit } = node ? { stack: node.stack, commit: node.entry.commit } : await pickCommit(workspace);
  const release = findRecordedRelease(stack, await listRuns(stack.root), commit);
  const targets = promotionTargets(stack, release);
  if (targets.length === 0) {
    throw new StagecraftError(`${commit.slice(0, 8)} already reached the last stage it can go to (${release.reached.join(', ')}).`, { kind: 'input', hint: 'Roll Back Stage… redeploys it where it ran before.' });
  }
  let target = request?.stage;
  if (target !== undefined && !targets.includes(target)) throw new StagecraftError(`${commit.slice(0, 8)} cannot be promoted to ${target}: it can go to ${targets.join(', ')}.`, { kind: 'input' });
  if (target === undefined) {
    const picked = await vscode.window.showQuickPick(
      targets.map(name => {
        const stage = findStage(stack, name);
        return { label: name, description: [stage.provider, stage.requireApproval ? 'requires approval' : undefined].filter(Boolean).join(' · '), name };
      }),
      { placeHolder: `Promote ${commit.slice(0, 8)} (reached ${release.reached.join(', ') || 'no stage yet'}) to which stage? Its artifact is deployed as built.` },
    );
    if (!picked) throw StagecraftError.cancelled();
    target = picked.name;
  }
  const stage = findStage(stack, target);
  const provider = await workspace.providers.get(stage.provider, `Promote This Release (${stage.name})`);
  const { user } = await readRepoFacts(stack.root);
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Promoting ${commit.slice(0, 8)} to ${stage.name}`, cancellable: true }, async (report, token) => {
    const abort = toAbortSignal(token);
    const present = progress.presenter(stack, { report: message => report.report({ message }) });
    try {
      const { warnings, handle } = await startPromotion(stack, commit, stage.name, {
        executor: runExecutor(stack, provider.pipelineExecutor(stack)),
        user,
        signal: abort.signal,
        onEvent: event => {
          present(event);
          if (event.type === 'step-finished' || event.type === 'awaiting-approval') workspace.refresh();
        },
      });
      for (const w of warnings) void vscode.window.showWarningMessage(`Promotion of ${commit.slice(0, 8)} to ${stage.name}: ${w}`);
      const run = await handle.done;
      progress.notify(run);
      return run;
    } finally {
      abort.dispose();
      workspace.refresh();
    }
  });
}

/** From the palette: a release of any stack that a run recorded an artifact for. */
async function pickCommit(workspace: StackWorkspace): Promise<{ stack: Stack; commit: string }> {
  const stacks = await workspace.stacks();
  const items = (
    await Promise.all(
      stacks.map(async stack =>
        (await loadLedger(stack, { limit: 50 }))
          .filter(e => e.artifact)
          .map(e => ({ label: `${e.commit.slice(0, 8)}  ${e.subject ?? ''}`.trim(), description: `${stacks.length > 1 ? `${stack.name} · ` : ''}${e.current.length ? `runs on ${e.current.join(', ')}` : 'not running'}`, stack, commit: e.commit })),
      ),
    )
  ).flat();
  if (items.length === 0) throw new StagecraftError('No release has a recorded artifact yet.', { kind: 'input', hint: 'Run the pipeline (Deploy) first: its artifact can then be promoted.' });
  const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Promote which release?', matchOnDescription: true });
  if (!picked) throw StagecraftError.cancelled();
  return picked;
}
