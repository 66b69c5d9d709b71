import * as vscode from 'vscode';
import { StagecraftError } from '../../core/errors';
import type { Stack, Stage } from '../../core/model';
import { listRuns, type RunRecord } from '../../core/pipeline';
import { findStage } from '../../core/release';
import { stageReleases, startRollback, type StageRelease } from '../../core/rollback';
import { runExecutor } from '../../core/pipeline/sourceChecks';
import { readStageState } from '../../core/stageState';
import { readRepoFacts } from '../../git/repo';
import { toAbortSignal } from '../cancellation';
import type { RunProgress } from '../progress';
import type { StackWorkspace } from '../stackWorkspace';
import { resolveStage } from '../stagePicker';
import type { ReleaseNode } from './releasesTree';

/**
 * Roll Back Stage…: from a stage of the Stacks tree (pick one of its earlier releases), from a
 * release attempt of the Releases tree (that release), or from the palette (pick both).
 */
export async function rollBackStage(workspace: StackWorkspace, progress: RunProgress, arg?: unknown): Promise<RunRecord> {
  const fromLedger = arg && typeof arg === 'object' && (arg as ReleaseNode).kind === 'attempt' ? (arg as Extract<ReleaseNode, { kind: 'attempt' }>) : undefined;
  const { stack, stage } = fromLedger ? { stack: fromLedger.stack, stage: findStage(fromLedger.stack, fromLedger.attempt.stage) } : await resolveStage(workspace, arg, 'Roll back which stage?');
  const to = fromLedger?.attempt.runId ?? (await pickRelease(stack, stage)).runId;
  const provider = await workspace.providers.get(stage.provider, `Roll Back Stage (${stage.name})`);
  const { user } = await readRepoFacts(stack.root);
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Rolling back ${stage.name}`, cancellable: true }, async (report, token) => {
    const abort = toAbortSignal(token);
    const present = progress.presenter(stack, { report: message => report.report({ message }) });
    try {
      const { release, warnings, handle } = await startRollback(stack, stage.name, {
        executor: runExecutor(stack, provider.pipelineExecutor(stack)),
        to,
        user,
        signal: abort.signal,
        onEvent: event => {
          present(event);
          if (event.type === 'step-finished' || event.type === 'awaiting-approval') workspace.refresh();
        },
      });
      for (const w of warnings) void vscode.window.showWarningMessage(`Rollback of ${stage.name} to ${release.commit.slice(0, 8)}: ${w}`);
      const run = await handle.done;
      progress.notify(run);
      return run;
    } finally {
      abort.dispose();
      workspace.refresh();
    }
  });
}

async function pickRelease(stack: Stack, stage: Stage): Promise<StageRelease> {
  const [runs, state] = await Promise.all([listRuns(stack.root), readStageState(stack.root, stage.name)]);
  const releases = stageReleases(runs, stage.name).filter(r => r.commit !== state.commit);
  if (releases.length === 0) throw new StagecraftError(`Stage ${stage.name} has no earlier release to roll back to.`, { kind: 'input', hint: 'The Releases view lists what each stage ran.' });
  const subjects = await readSubjects(stack, releases.map(r => r.commit));
  const picked = await vscode.window.showQuickPick(
    releases.map(r => ({
      label: `${r.commit.slice(0, 8)}  ${subjects.get(r.commit) ?? ''}`.trim(),
      description: `${r.at.slice(0, 16).replace('T', ' ')} · run ${r.runId}${r.rollback ? ' · (rollback)' : ''}`,
      detail: r.artifact ? `artifact ${r.artifact.slice(0, 16)}` : 'no artifact recorded: it would be rebuilt',
      r,
    })),
    { placeHolder: `Roll ${stage.name} back to which release? (${state.commit ? `it runs ${state.commit.slice(0, 8)} now` : 'nothing recorded as running'})`, matchOnDescription: true },
  );
  if (!picked) throw StagecraftError.cancelled();
  return picked.r;
}

async function readSubjects(stack: Stack, commits: string[]): Promise<Map<string, string>> {
  const { describeCommits } = await import('../../git/commitLog.js');
  const found = await describeCommits(stack.root, { limit: 0, extra: commits }).catch(() => []);
  return new Map(found.map(c => [c.hash, c.subject]));
}
