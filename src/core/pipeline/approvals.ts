import { watch, promises as fs, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError } from '../errors';
import { redactor } from '../redact';
import { writeJsonExclusive } from '../jsonFile';
import { APPROVALS_DIR, listRuns, readRun, runDir, type ReadOptions } from './store';
import type { RunRecord } from './types';

/**
 * Approvals cross processes: the run may wait in VS Code while `stagecraft approve` runs in a
 * terminal, or the other way round. A decision is a file in the run's `approvals/` folder named
 * after the stage and the request it answers; the waiting engine sees it through fs.watch (and a
 * slow poll in case watching is unavailable). The first decision written wins.
 */
export interface ApprovalDecision {
  stage: string;
  requestId: string;
  decision: 'approved' | 'rejected';
  by: string;
  at: string;
  comment?: string;
  /** `sha256:…` of the evidence the approver was shown (src/core/approval). */
  evidenceDigest?: string;
}

export interface PendingApproval {
  runId: string;
  stage: string;
  stepId: string;
  requestId: string;
  requestedAt: string;
  expiresAt: string;
  commit: string;
  branch?: string;
  artifact?: string;
  /** False when the process that waits is gone: the decision is kept for when the run is resumed. */
  live: boolean;
}

export interface DecisionInput {
  /** Who decides (the git user); recorded with the time. */
  by: string;
  comment?: string;
  /** The digest of the evidence shown to the approver, recorded with the decision. */
  evidenceDigest?: string;
}

/** A run id, a stage name, or both. */
export type ApprovalTarget = string | { runId?: string; stage?: string };

export function decisionFile(dir: string, stage: string, requestId: string): string {
  return path.join(dir, APPROVALS_DIR, `${stage}-${requestId}.json`);
}

export function pendingApprovalsOf(run: RunRecord): PendingApproval[] {
  const now = Date.now();
  if (run.status !== 'awaiting-approval' && run.status !== 'interrupted' && run.status !== 'running') return [];
  return run.steps
    .filter(s => s.kind === 'approval' && s.status === 'awaiting-approval' && s.approval && !s.approval.decision && Date.parse(s.approval.expiresAt) > now)
    .map(s => ({
      runId: run.id,
      stage: s.stage ?? '',
      stepId: s.id,
      requestId: s.approval!.requestId,
      requestedAt: s.approval!.requestedAt,
      expiresAt: s.approval!.expiresAt,
      commit: run.commit,
      branch: run.branch,
      artifact: run.artifact?.id,
      live: run.status !== 'interrupted',
    }));
}

/** Every approval some run waits for, newest run first (interrupted runs included, marked not live). */
export async function findPendingApprovals(root: string, options: ReadOptions = {}): Promise<PendingApproval[]> {
  const runs = await listRuns(root, options);
  const all = runs.flatMap(pendingApprovalsOf);
  // An interrupted run cannot record a decision in its run.json: one already written beside it
  // means nobody waits any more (it was approved or rejected; `pipeline resume` carries on).
  const decided = await Promise.all(all.map(p => (p.live ? undefined : readDecision(decisionFile(runDir(root, p.runId), p.stage, p.requestId)))));
  return all.filter((_, i) => !decided[i]);
}

/** The approval a stage waits for: the newest live run's, else the newest interrupted run's. */
export async function findPendingApproval(root: string, stage: string, options: ReadOptions = {}): Promise<PendingApproval | undefined> {
  return pendingApprovalAt(await findPendingApprovals(root, options), stage);
}

/** Of the pending approvals, the one at `stage`: a live run's first. */
export function pendingApprovalAt(all: PendingApproval[], stage: string): PendingApproval | undefined {
  const atStage = all.filter(p => p.stage === stage);
  return atStage.find(p => p.live) ?? atStage[0];
}

export async function approve(root: string, target: ApprovalTarget, input: DecisionInput, options: ReadOptions = {}): Promise<ApprovalDecision> {
  return decide(root, target, 'approved', input, options);
}

export async function reject(root: string, target: ApprovalTarget, input: DecisionInput, options: ReadOptions = {}): Promise<ApprovalDecision> {
  return decide(root, target, 'rejected', input, options);
}

async function decide(root: string, target: ApprovalTarget, decision: ApprovalDecision['decision'], input: DecisionInput, options: ReadOptions): Promise<ApprovalDecision> {
  const pending = await resolveTarget(root, target, options);
  const record: ApprovalDecision = {
    stage: pending.stage,
    requestId: pending.requestId,
    decision,
    by: input.by,
    at: new Date().toISOString(),
    ...(input.comment ? { comment: redactor.redact(input.comment) } : {}),
    ...(input.evidenceDigest ? { evidenceDigest: input.evidenceDigest } : {}),
  };
  const dir = runDir(root, pending.runId);
  await fs.mkdir(path.join(dir, APPROVALS_DIR), { recursive: true });
  const file = decisionFile(dir, pending.stage, pending.requestId);
  if (!(await writeJsonExclusive(file, record))) {
    const earlier = await readDecision(file).catch(() => undefined);
    throw new StagecraftError(
      `The promotion to ${pending.stage} in run ${pending.runId} was already ${earlier?.decision ?? 'decided'}${earlier ? ` by ${earlier.by} at ${earlier.at}` : ''}.`,
      { kind: 'input' },
    );
  }
  return record;
}

async function resolveTarget(root: string, target: ApprovalTarget, options: ReadOptions): Promise<PendingApproval> {
  const { runId, stage } = typeof target === 'string' ? (/^\d{8}-/.test(target) ? { runId: target } : { stage: target }) : target;
  if (runId) {
    const run = await readRun(root, runId, options);
    const pending = pendingApprovalsOf(run).filter(p => !stage || p.stage === stage);
    if (pending.length === 0) {
      throw new StagecraftError(`Run ${runId} is not waiting for an approval${stage ? ` of stage ${stage}` : ''} (it is ${run.status}).`, {
        kind: 'input',
        hint: 'See which stage waits with `stagecraft status`.',
      });
    }
    return pending[0];
  }
  if (!stage) throw new StagecraftError('Say which stage (or run) to approve or reject.', { kind: 'usage' });
  const pending = await findPendingApproval(root, stage, options);
  if (!pending) {
    throw new StagecraftError(`No run is waiting for approval to promote to stage ${stage}.`, {
      kind: 'input',
      hint: 'A run waits at a stage with `requireApproval: true`; start one with `stagecraft pipeline run`.',
    });
  }
  return pending;
}

/**
 * The decision in `file`, or undefined when there is none yet. Decisions are written whole (a
 * temp file linked into place), so a file that does not hold one is corrupt: that is an error
 * naming the file, never "no decision" (which would wait until the timeout).
 */
async function readDecision(file: string): Promise<ApprovalDecision | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StagecraftError(`Cannot read the approval decision ${file}: ${(err as Error).message}`, { cause: err });
  }
  let d: Partial<ApprovalDecision> | undefined;
  try {
    d = JSON.parse(text) as Partial<ApprovalDecision>;
  } catch (err) {
    throw new StagecraftError(`The approval decision ${file} is not valid JSON: ${(err as Error).message}`, { cause: err, hint: 'Delete the file and decide again (stagecraft approve|reject STAGE).' });
  }
  if (d?.decision !== 'approved' && d?.decision !== 'rejected') {
    throw new StagecraftError(`The approval decision ${file} holds no decision ("approved" or "rejected").`, { hint: 'Delete the file and decide again (stagecraft approve|reject STAGE).' });
  }
  return d as ApprovalDecision;
}

export interface WaitOptions {
  /** Epoch ms after which the wait ends as timed out. */
  deadline: number;
  signal: AbortSignal;
  /** The fallback poll when fs.watch misses an event or is unavailable. */
  pollMs?: number;
}

/** Waits for the decision on one request: the decision, 'timed-out', or a cancelled error. */
export function waitForDecision(dir: string, stage: string, requestId: string, options: WaitOptions): Promise<ApprovalDecision | 'timed-out'> {
  const file = decisionFile(dir, stage, requestId);
  const folder = path.dirname(file);
  return new Promise((resolve, reject) => {
    let watcher: FSWatcher | undefined;
    let poll: NodeJS.Timeout | undefined;
    let deadline: NodeJS.Timeout | undefined;
    let settled = false;
    let checking = false;
    let again = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      watcher?.close();
      if (poll) clearInterval(poll);
      if (deadline) clearTimeout(deadline);
      options.signal.removeEventListener('abort', onAbort);
      fn();
    };
    const check = async () => {
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      try {
        do {
          again = false;
          const d = await readDecision(file);
          if (d && d.requestId === requestId) finish(() => resolve(d));
        } while (again && !settled);
      } catch (err) {
        finish(() => reject(err));
      }
      checking = false;
    };
    const onAbort = () => finish(() => reject(StagecraftError.cancelled(`Waiting for approval of ${stage}`)));
    const armDeadline = () => {
      const left = options.deadline - Date.now();
      if (left <= 0) {
        // A decision written just before the deadline still counts.
        readDecision(file).then(
          d => finish(() => resolve(d && d.requestId === requestId ? d : 'timed-out')),
          err => finish(() => reject(err)),
        );
        return;
      }
      deadline = setTimeout(armDeadline, Math.min(left, 2 ** 31 - 1));
    };
    if (options.signal.aborted) return onAbort();
    options.signal.addEventListener('abort', onAbort, { once: true });
    fs.mkdir(folder, { recursive: true })
      .then(() => {
        if (settled) return;
        try {
          watcher = watch(folder, () => void check());
          watcher.on('error', () => watcher?.close());
        } catch {
          // No inotify (or too many watches): the poll below still notices.
        }
        poll = setInterval(() => void check(), options.pollMs ?? 2000);
        armDeadline();
        void check();
      })
      .catch(err => finish(() => reject(err)));
  });
}
