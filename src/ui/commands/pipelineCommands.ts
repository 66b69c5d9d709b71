import type { ProviderLookup } from '../../core/providerModule';
import * as vscode from 'vscode';
import { StagecraftError } from '../../core/errors';
import type { Stack } from '../../core/model';
import { findPendingApproval, findPendingApprovals, latestRun, type RunEvent, type RunHandle, type RunRecord } from '../../core/pipeline';
import { removePersonalRecord } from '../../core/personal/registry';
import { planBranchRun, type BranchRunPlan } from '../../core/branchRun';
import { continueRelease, decideStageApproval, startRelease } from '../../core/release';
import { readRepoFacts } from '../../git/repo';
import { toAbortSignal, withCancellableProgress } from '../cancellation';
import { deployPrompts } from '../deployPrompts';
import { readSettings } from '../settings';
import { registerCommand } from '../commandWrapper';
import { runConfirmation } from './runConfirmation';
import { COMMANDS } from '../ids';
import type { ExtensionLog } from '../log';
import type { RunProgress } from '../progress';
import { REVIEW_PROMOTION } from '../review';
import type { StackWorkspace } from '../stackWorkspace';
import { resolveStack, resolveStage } from '../stagePicker';
import type { StagecraftNode } from '../tree';
import { withStageLock } from '../../core/stageLock';

/** Run Pipeline, Deploy Stage, Approve/Reject Promotion, Destroy Stage, Rotate Database Password. */
export function registerPipelineCommands(context: vscode.ExtensionContext, log: ExtensionLog, workspace: StackWorkspace, progress: RunProgress): void {
  const runs = new RunPresenter(progress, workspace);

  registerCommand(context, log, COMMANDS.runPipeline, async (arg?: StagecraftNode) => {
    const folder = await resolveStack(workspace, arg);
    // Where the run goes is decided (and said) before anything starts: the branch's stages only.
    const { plan, facts } = await planRun(folder.stack!, undefined, workspace.providers);
    // A path through a protected stage is said, and confirmed, before anything is built.
    const question = runConfirmation(facts.commit!, plan.stack.stages.filter(s => plan.stages.includes(s.name)));
    if (question && !(await confirmRun(question))) throw StagecraftError.cancelled('Run Pipeline');
    await runs.show(plan.stack, `Releasing ${plan.stack.name}: ${plan.stages.join(' → ')}`, async options => {
      return startRelease(plan.stack, { ...options, commit: facts.commit!, branch: facts.branch, user: facts.user, stages: plan.stages, personal: plan.personal, prompts: deployPrompts(), providers: workspace.providers });
    });
  });
  registerCommand(context, log, COMMANDS.deployStage, async (arg?: unknown) => {
    const { stack, stage } = await resolveStage(workspace, arg, 'Deploy which stage?', { fresh: 'deploying' });
    const { plan, facts } = await planRun(stack, [stage.name], workspace.providers);
    await runs.show(plan.stack, `Deploying to ${stage.name}`, async options => {
      // The artifact's checks recorded by an earlier run of this commit are taken over, not run again.
      return startRelease(plan.stack, { ...options, commit: facts.commit!, branch: facts.branch, user: facts.user, stages: plan.stages, personal: plan.personal, prompts: deployPrompts(), providers: workspace.providers, reuseChecks: true });
    });
  });
  registerCommand(context, log, COMMANDS.resumeRun, async (arg?: { stackRoot?: string; runId?: string; how?: 'resume' | 'rerun' }) => {
    const stack = arg?.stackRoot ? (await workspace.stacks()).find(s => s.root === arg.stackRoot) : (await resolveStack(workspace, undefined)).stack;
    if (!stack) throw new StagecraftError('That stack is no longer in this workspace.', { kind: 'input' });
    const how = arg?.how ?? 'resume';
    const { user } = await readRepoFacts(stack.root);
    await runs.show(stack, `${how === 'resume' ? 'Resuming' : 'Re-running'} ${stack.name}`, options => continueRelease(stack, how, { ...options, runId: arg?.runId, user, prompts: deployPrompts(), providers: workspace.providers }));
  });
  void offerToResumeInterrupted(workspace);
  registerCommand(context, log, COMMANDS.approvePromotion, (arg?: unknown) => decide(workspace, progress, arg, 'approve'));
  registerCommand(context, log, COMMANDS.rejectPromotion, (arg?: unknown) => decide(workspace, progress, arg, 'reject'));
  registerCommand(context, log, COMMANDS.destroyStage, async (arg?: unknown) => {
    const { stack, stage } = await resolveStage(workspace, arg, 'Destroy which stage?');
    const provider = await workspace.providers.get(stage.provider, `Destroy Stage (${stage.name})`);
    if (stage.protected) {
      const typed = await vscode.window.showInputBox({
        title: `Destroy protected stage "${stage.name}"`,
        prompt: `This deletes ${stage.name}'s processes, database and data. Type the stage name to confirm.`,
        validateInput: v => (v === stage.name ? undefined : `type "${stage.name}" to confirm`),
      });
      if (typed !== stage.name) throw StagecraftError.cancelled('Destroy Stage');
    } else {
      const ok = await vscode.window.showWarningMessage(`Destroy stage "${stage.name}" of ${stack.name}? Its processes, database and data are deleted.`, { modal: true }, 'Destroy');
      if (ok !== 'Destroy') throw StagecraftError.cancelled('Destroy Stage');
    }
    await withCancellableProgress(`Destroying ${stage.name}`, (signal, report) => withStageLock(stack.root, stage.name, { action: `destroying ${stage.name}` }, () => provider.destroy(stack, stage, { signal, log: report, force: stage.protected }), { signal, onWait: (_h, m) => report(`${stage.name}: ${m}`) }));
    if (stage.personal) await removePersonalRecord(stack.root, stage.name);
    workspace.refresh();
    void vscode.window.showInformationMessage(`Stage ${stage.name} destroyed.`);
  });
  registerCommand(context, log, COMMANDS.rotateDatabasePassword, async (arg?: unknown) => {
    const { stack, stage } = await resolveStage(workspace, arg, 'Rotate the database password of which stage?');
    const provider = await workspace.providers.get(stage.provider, `Rotate Database Password (${stage.name})`);
    // Ask the provider first, so a missing database or missing credentials show before any confirmation.
    const secret = await withCancellableProgress(`Reading ${stage.name}'s database`, signal => provider.databaseSecret(stack, stage, { signal }));
    if (!secret) throw new StagecraftError(`Stage "${stage.name}" has no database yet.`, { kind: 'input', hint: 'Create it from Show Database Secret ("Create database for this stage").' });
    const ok = await vscode.window.showWarningMessage(`Change the password of ${stage.name}'s database? The app is restarted with the new one.`, { modal: true }, 'Change Password');
    if (ok !== 'Change Password') throw StagecraftError.cancelled('Rotate Database Password');
    await withCancellableProgress(`Rotating ${stage.name}'s database password`, (signal, report) => withStageLock(stack.root, stage.name, { action: `rotating the database password of ${stage.name}` }, () => provider.rotateDatabasePassword(stack, stage, { signal, log: report }), { signal, onWait: (_h, m) => report(`${stage.name}: ${m}`) }));
    void vscode.window.showInformationMessage(`The password of ${stage.name}'s database was changed; the app runs with the new one.`);
  });
}

/**
 * Starts a run and keeps it in front of the user until it ends: a cancellable progress
 * notification naming the step, while RunProgress (src/ui/progress) gives the run its output
 * channel, the status bar item and the approval prompts.
 */
class RunPresenter {
  constructor(
    private readonly progress: RunProgress,
    private readonly workspace: StackWorkspace,
  ) {}

  async show(stack: Stack, title: string, start: (options: { signal: AbortSignal; onEvent: (event: RunEvent) => void }) => Promise<RunHandle>): Promise<RunRecord> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const abort = toAbortSignal(token);
      const present = this.progress.presenter(stack, { report: message => progress.report({ message }) });
      const onEvent = (event: RunEvent) => {
        present(event);
        if (event.type === 'step-finished' || event.type === 'awaiting-approval') this.workspace.refresh();
      };
      try {
        const handle = await start({ signal: abort.signal, onEvent });
        const run = await handle.done;
        this.finished(run);
        return run;
      } finally {
        abort.dispose();
        this.workspace.refresh();
      }
    });
  }

  private finished(run: RunRecord): void {
    this.progress.notify(run);
  }
}

/**
 * Resolves where a run goes from the current branch (or the chosen stage), through the same core
 * as the CLI. A protected stage the branch does not map to needs an explicit modal confirmation;
 * a crossing is shown as a warning; the route is shown before anything starts.
 */
async function planRun(stack: Stack, stages: string[] | undefined, providers: ProviderLookup): Promise<{ plan: BranchRunPlan; facts: Awaited<ReturnType<typeof readRepoFacts>> }> {
  const facts = await readRepoFacts(stack.root);
  const options = { defaultTtl: readSettings().personalStageTtl, providers };
  let plan: BranchRunPlan;
  try {
    plan = await planBranchRun(stack, { ...facts, stages }, options);
  } catch (err) {
    const crossing = stages && err instanceof StagecraftError && /crosses the branch mapping/.test(err.message);
    if (!crossing) throw err;
    const ok = await vscode.window.showWarningMessage(`${err.message} Deploy commit ${facts.commit?.slice(0, 8)} there anyway?`, { modal: true }, 'Deploy Anyway');
    if (ok !== 'Deploy Anyway') throw StagecraftError.cancelled('Deploy Stage');
    plan = await planBranchRun(stack, { ...facts, stages, force: true }, options);
  }
  if (plan.header && !stages) void vscode.window.setStatusBarMessage(`Stagecraft: ${plan.header}`, 10_000);
  for (const w of plan.warnings) void vscode.window.showWarningMessage(w);
  for (const e of plan.expired) if (e.destroyed) void vscode.window.showInformationMessage(`Destroyed the personal stage ${e.name} (${e.owner}): ${e.why}.`);
  return { plan, facts };
}

/** Asks the run's question in a picker that stays open until answered: Run, or Cancel (Escape). */
async function confirmRun(question: string): Promise<boolean> {
  const picked = await vscode.window.showQuickPick(
    [
      { label: '$(run-all) Run', description: 'build once, then promote stage by stage', run: true },
      { label: '$(close) Cancel', description: 'nothing starts', run: false },
    ],
    { title: question, placeHolder: 'Run or Cancel (Escape)', ignoreFocusOut: true },
  );
  return picked?.run === true;
}

/** A run cut off by a window reload or a crash reads as interrupted; offer to continue it. */
async function offerToResumeInterrupted(workspace: StackWorkspace): Promise<void> {
  for (const stack of await workspace.stacks().catch(() => [])) {
    const run = await latestRun(stack.root).catch(() => undefined);
    if (run?.status !== 'interrupted') continue;
    const choice = await vscode.window.showWarningMessage(
      `The last run of ${stack.name} (${run.commit.slice(0, 8)} → ${run.stages.join(', ')}) was interrupted. Its stages keep serving what they served.`,
      'Resume',
      'Re-run',
    );
    if (choice) await vscode.commands.executeCommand(COMMANDS.resumeRun, { stackRoot: stack.root, runId: run.id, how: choice === 'Resume' ? 'resume' : 'rerun' });
  }
}

interface DecisionRequest {
  stackRoot: string;
  stage: string;
  runId?: string;
  comment?: string;
}

/** Approve or reject the promotion a stage waits for: from the tree, the notification, or the palette. */
async function decide(workspace: StackWorkspace, progress: RunProgress, arg: unknown, verb: 'approve' | 'reject'): Promise<void> {
  const request = arg && typeof arg === 'object' && 'stackRoot' in arg ? (arg as DecisionRequest) : undefined;
  const node = request ? undefined : (arg as StagecraftNode | undefined);
  let target: { stack: Stack; stage: string; runId?: string; commit?: string } | undefined;
  if (request) {
    const stack = (await workspace.stacks()).find(s => s.root === request.stackRoot);
    if (!stack) throw new StagecraftError('That stack is no longer in this workspace.', { kind: 'input' });
    target = { stack, stage: request.stage, runId: request.runId };
  } else if (node?.kind === 'stage') {
    // A stage node waits either in a Stagecraft run or in the provider's own pipeline: decideStageApproval finds which.
    target = { stack: node.stack, stage: node.stage.name, commit: node.status.commit };
  } else {
    const stacks = node && 'folder' in node && node.folder.stack ? [node.folder.stack] : await workspace.stacks();
    const all = (await Promise.all(stacks.map(async s => (await findPendingApprovals(s.root)).map(p => ({ stack: s, p }))))).flat();
    if (all.length === 0) throw new StagecraftError('No promotion is waiting for approval.', { kind: 'input', hint: 'Run Pipeline stops before stages that have requireApproval: true.' });
    const chosen =
      all.length === 1
        ? all[0]
        : (await vscode.window.showQuickPick(
            all.map(a => ({ label: `${a.stack.name} → ${a.p.stage}`, description: `commit ${a.p.commit.slice(0, 8)} · run ${a.p.runId}`, a })),
            { placeHolder: `${verb === 'approve' ? 'Approve' : 'Reject'} which promotion?` },
          ))?.a;
    if (!chosen) throw StagecraftError.cancelled();
    target = { stack: chosen.stack, stage: chosen.p.stage, runId: chosen.p.runId, commit: chosen.p.commit };
  }
  if (request?.comment === undefined) {
    // The review panel shows the evidence and takes the decision with its digest (a provider's own pipeline has no run to show).
    const reviewed = await vscode.commands.executeCommand<boolean>(REVIEW_PROMOTION, { stackRoot: target.stack.root, stage: target.stage, runId: target.runId, focus: verb });
    if (reviewed) return;
  }
  const comment =
    request?.comment ??
    (await vscode.window.showInputBox({
      title: `${verb === 'approve' ? 'Approve' : 'Reject'} promotion${target.commit ? ` of ${target.commit.slice(0, 8)}` : ''} to ${target.stage}`,
      prompt: verb === 'approve' ? 'Comment (optional), recorded with your name' : 'Why? Recorded with your name',
    }));
  if (comment === undefined) throw StagecraftError.cancelled();
  const { user } = await readRepoFacts(target.stack.root);
  const runId = target.runId ?? (await findPendingApproval(target.stack.root, target.stage).catch(() => undefined))?.runId;
  const decision = await decideStageApproval(target.stack, target.stage, verb, { by: user, comment: comment || undefined, runId: target.runId, providers: workspace.providers });
  workspace.refresh();
  // A rejected run shown in this window says so itself when it ends: the rejection is said once.
  if (decision.decision === 'rejected' && decision.where === 'run' && runId && progress.isTracked(runId)) return;
  void vscode.window.showInformationMessage(`${decision.decision === 'approved' ? 'Approved' : 'Rejected'} the promotion to ${decision.stage}.`);
}
