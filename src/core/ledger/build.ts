import type { RunRecord, StageRunRecord } from '../pipeline/types';
import type { CommitInfo, LedgerEntry, LedgerOptions, StageAttempt } from './types';

/** What each stage runs now, by stage name (from the recorded stage state). */
export type CurrentReleases = Record<string, { commit?: string } | undefined>;

/**
 * The commit → stage ledger from the run records (the only source of truth) and the branch's
 * recent commits: one entry per commit, newest first, each with every stage attempt.
 * Pure and linear in the number of runs, so 1,000 runs list in a few milliseconds.
 */
/** A run's share of the ledger: each stage it reached, with the commit it put there. */
export interface RunAttempts {
  runId: string;
  items: { commit: string; attempt: StageAttempt }[];
}

/**
 * The commit → stage ledger from the run records (the only source of truth) and the branch's
 * recent commits: one entry per commit, newest first, each with every stage attempt.
 */
export function buildLedger(runs: readonly RunRecord[], current: CurrentReleases, commits: readonly CommitInfo[], options: LedgerOptions = {}): LedgerEntry[] {
  return assembleLedger(runs.map(runAttempts), current, commits, options);
}

/** What one run contributes; depends on the run alone, so a finished run's share can be cached. */
export function runAttempts(run: RunRecord): RunAttempts {
  const items: RunAttempts['items'] = [];
  for (const stage of run.stages) {
    const rec = run.stageRecords[stage];
    const attempt = rec && toAttempt(run, rec);
    if (attempt) items.push({ commit: rec.commit ?? run.commit, attempt });
  }
  return { runId: run.id, items };
}

/** Linear in the number of attempts, so 1,000 runs assemble in a few milliseconds. */
export function assembleLedger(runs: readonly RunAttempts[], current: CurrentReleases, commits: readonly CommitInfo[], options: LedgerOptions = {}): LedgerEntry[] {
  const entries = new Map<string, LedgerEntry>();
  const entry = (commit: string): LedgerEntry => {
    let e = entries.get(commit);
    if (!e) entries.set(commit, (e = { commit, current: [], attempts: [], latest: '' }));
    return e;
  };
  for (const c of commits) Object.assign(entry(c.hash), { subject: c.subject, author: c.author, date: c.date, latest: c.date });
  // The newest successful promotion of each stage is what it serves, unless the stage state says otherwise.
  const servingRun = new Map<string, string>();
  for (const run of runs) {
    for (const item of run.items) {
      if (options.stage && item.attempt.stage !== options.stage) continue;
      const attempt = { ...item.attempt };
      const e = entry(item.commit);
      e.artifact ??= attempt.artifact;
      e.attempts.push(attempt);
      if (attempt.at > e.latest) e.latest = attempt.at;
      if (attempt.outcome === 'served') {
        const known = servingRun.get(attempt.stage);
        if (!known || run.runId > known) servingRun.set(attempt.stage, run.runId);
      }
    }
  }
  for (const e of entries.values()) {
    for (const a of e.attempts) {
      if (a.outcome !== 'served') continue;
      const now = current[a.stage];
      if (servingRun.get(a.stage) === a.runId && (!now?.commit || now.commit === e.commit)) {
        a.outcome = 'serving';
        if (!e.current.includes(a.stage)) e.current.push(a.stage);
      }
    }
    e.attempts.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  }
  let list = [...entries.values()];
  if (options.stage) list = list.filter(e => e.attempts.length > 0);
  list.sort((a, b) => (a.latest < b.latest ? 1 : a.latest > b.latest ? -1 : 0));
  return options.limit === undefined ? list : list.slice(0, options.limit);
}

function toAttempt(run: RunRecord, rec: StageRunRecord): StageAttempt | undefined {
  if (rec.status === 'pending') {
    // The run stopped before this stage (or waits at its gate): only a waiting gate is worth a line.
    const gate = run.steps.find(s => s.stage === rec.stage && s.kind === 'approval' && s.status === 'awaiting-approval');
    if (!gate || run.status !== 'awaiting-approval') {
      const rejected = run.steps.find(s => s.stage === rec.stage && s.kind === 'approval' && s.approval?.decision === 'rejected');
      if (!rejected) return undefined;
    }
  }
  const steps = run.steps.filter(s => s.stage === rec.stage);
  const gate = steps.find(s => s.kind === 'approval');
  const promote = steps.find(s => s.kind === 'promote' && s.endedAt);
  const started = steps.find(s => s.startedAt)?.startedAt ?? run.createdAt;
  const at = rec.status === 'serving' && promote?.endedAt ? promote.endedAt : started;
  const failedStep = steps.find(s => s.status === 'failed' || s.status === 'cancelled');
  let outcome: StageAttempt['outcome'];
  if (rec.status === 'serving') outcome = 'served';
  else if (rec.status === 'rolled-back') outcome = 'rolled-back';
  else if (gate?.approval?.decision === 'rejected') outcome = 'rejected';
  else if (rec.status === 'failed' || run.status === 'failed' || run.status === 'cancelled' || run.status === 'interrupted') outcome = 'failed';
  else outcome = 'in-progress';
  const approval = gate?.approval?.decision
    ? { decision: gate.approval.decision, ...(gate.approval.by ? { by: gate.approval.by } : {}), ...(gate.approval.at ? { at: gate.approval.at } : {}), ...(gate.approval.comment ? { comment: gate.approval.comment } : {}), ...(gate.approval.evidenceDigest ? { evidenceDigest: gate.approval.evidenceDigest } : {}) }
    : gate?.status === 'awaiting-approval'
      ? { decision: 'waiting' }
      : undefined;
  const artifact = rec.artifact ?? run.artifact?.id;
  const detail = outcome === 'served' ? undefined : failedStep ? `${failedStep.label}: ${failedStep.summary ?? failedStep.status}` : run.outcome;
  return {
    stage: rec.stage,
    runId: run.id,
    outcome,
    at,
    ...(artifact ? { artifact } : {}),
    ...(run.rollbackTo ? { rollback: true } : {}),
    ...(approval ? { approval } : {}),
    ...(detail ? { detail } : {}),
  };
}
