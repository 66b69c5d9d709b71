import type { RunRecord } from './pipeline/types';

/**
 * What a run is doing to a stage now, or did last, in the words a stage row shows. The
 * provider's status says what serves; the run records say what is on its way (a build, a
 * migration after an approval) or what a person refused (a rejected promotion).
 */
export type StageActivity =
  | { kind: 'building'; runId: string }
  | { kind: 'approved'; phase: 'migrating' | 'deploying'; runId: string; by?: string }
  | { kind: 'rejected'; runId: string; by?: string; at?: string; comment?: string };

export const ACTIVITY_WORDS: Record<StageActivity['kind'], string> = {
  building: 'building',
  approved: 'approved',
  rejected: 'rejected',
};

/** "building", "approved · migrating", "rejected". */
export function activityWord(activity: StageActivity): string {
  return activity.kind === 'approved' ? `approved · ${activity.phase}` : ACTIVITY_WORDS[activity.kind];
}

const LIVE = new Set(['running', 'awaiting-approval']);
const DONE = new Set(['succeeded', 'warning', 'skipped', 'failed', 'cancelled']);

/**
 * The activity of `stage` from `runs` (newest first, statuses as `readRun` gives them: a run
 * whose process is gone reads `interrupted`). Only the newest run that goes to the stage counts.
 */
export function stageActivity(stage: string, runs: readonly RunRecord[]): StageActivity | undefined {
  const run = runs.find(r => r.stages.includes(stage));
  if (!run) return undefined;
  const own = run.steps.filter(s => s.stage === stage);
  const approval = own.find(s => s.kind === 'approval')?.approval;
  if (LIVE.has(run.status)) {
    if (run.stageRecords[stage]?.status === 'serving') return undefined;
    const building = run.steps.some(s => s.group !== 'stage' && !DONE.has(s.status));
    if (building) return { kind: 'building', runId: run.id };
    if (approval?.decision === 'approved') {
      const current = own.find(s => s.status === 'running') ?? own.find(s => s.status === 'pending');
      if (!current) return undefined;
      return { kind: 'approved', phase: current.kind === 'migrate' ? 'migrating' : 'deploying', runId: run.id, by: approval.by };
    }
    return undefined;
  }
  if (run.status === 'rejected' && approval?.decision === 'rejected') {
    return { kind: 'rejected', runId: run.id, by: approval.by, at: approval.at, comment: approval.comment };
  }
  return undefined;
}

