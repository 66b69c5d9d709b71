import type { RunRecord } from '../pipeline/types';

/** Something the run records say happened to a stage, shown between its log lines at its time. */
export interface DeployMarker {
  /** Unique per run and event, so reading the records again shows nothing twice. */
  key: string;
  time: number;
  kind: 'deploy' | 'switch' | 'rollback' | 'approval';
  text: string;
  /** `switch` and `rollback` that moved traffic: the commit the stage serves from then on. */
  serves?: string;
  /** What served before that switch. */
  previous?: string;
}

const short = (commit: string | undefined) => (commit ?? '').slice(0, 8) || 'unknown';

/**
 * The markers of one stage from the run records: each deploy's start, each approval decision,
 * each switch of traffic (a rollback run's switch reads "rolled back to …"), and each deploy that a
 * failed check rolled back. Oldest first.
 */
export function deployMarkers(runs: readonly RunRecord[], stage: string): DeployMarker[] {
  const out: DeployMarker[] = [];
  for (const run of runs) {
    const rec = run.stageRecords[stage];
    if (!rec) continue;
    const commit = rec.commit ?? run.commit;
    const steps = run.steps.filter(s => s.stage === stage);
    const gate = steps.find(s => s.kind === 'approval');
    const decision = gate?.approval;
    if (decision?.decision && decision.at) {
      const who = decision.by ? ` by ${decision.by}` : '';
      const comment = decision.comment ? ` (${decision.comment})` : '';
      const text = decision.decision === 'timed-out' ? `approval of ${short(commit)} timed out` : `${short(commit)} ${decision.decision}${who}${comment}`;
      push(out, { key: `${run.id}:approval`, time: Date.parse(decision.at), kind: 'approval', text });
    }
    const deploy = steps.find(s => s.kind === 'deploy' && s.startedAt);
    if (deploy?.startedAt) {
      const what = run.rollbackTo?.stage === stage ? `rollback deploy of ${short(commit)}` : `deploy of ${short(commit)}`;
      push(out, { key: `${run.id}:deploy`, time: Date.parse(deploy.startedAt), kind: 'deploy', text: `${what} started (run ${run.id}${run.startedBy ? `, by ${run.startedBy}` : ''})` });
    }
    // The switch happens inside the promote step; its start is when traffic moves (the old
    // version's drain and shutdown lines come after it, the step's end only after those).
    const promote = steps.find(s => s.kind === 'promote' && s.startedAt && (s.status === 'succeeded' || s.status === 'warning'));
    if (promote?.startedAt) {
      const was = rec.previousCommit ? `; was ${short(rec.previousCommit)}` : '';
      const rollback = run.rollbackTo?.stage === stage;
      push(out, {
        key: `${run.id}:switch`,
        time: Date.parse(promote.startedAt),
        kind: rollback ? 'rollback' : 'switch',
        text: rollback ? `rolled back to ${short(commit)}: traffic switched to it (run ${run.id}${was})` : `traffic switched to ${short(commit)} (run ${run.id}${was})`,
        serves: commit,
        ...(rec.previousCommit ? { previous: rec.previousCommit } : {}),
      });
    }
    if (run.rollback?.stage === stage) {
      const failed = steps.find(s => s.status === 'failed' || s.status === 'cancelled');
      const at = failed?.endedAt ?? run.endedAt;
      if (at) {
        const keeps = run.rollback.keeps ? `: ${stage} keeps ${short(run.rollback.keeps)}` : '';
        push(out, { key: `${run.id}:rolled-back`, time: Date.parse(at), kind: 'rollback', text: `deploy of ${short(commit)} rolled back${keeps} (${run.rollback.reason})` });
      }
    }
  }
  return out.sort((a, b) => a.time - b.time);
}

function push(out: DeployMarker[], marker: DeployMarker): void {
  if (Number.isFinite(marker.time)) out.push(marker);
}
