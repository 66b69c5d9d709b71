import type { RunningDifference } from '../core/lint/runningDrift';
import { STATUS_LABELS, type StageStatus, type StageStatusKind } from '../core/model';
import { activityWord, type StageActivity } from '../core/stageActivity';

/*
 * The words and icon of a stage row, apart from VS Code so they are unit-tested: icons are
 * codicon ids and theme color ids.
 */

const STATUS_ICONS: Record<StageStatusKind, [string, string | undefined]> = {
  'not-deployed': ['circle-outline', 'disabledForeground'],
  deploying: ['sync~spin', 'charts.blue'],
  healthy: ['pass-filled', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  'awaiting-approval': ['watch', 'charts.yellow'],
  stopped: ['debug-stop', 'disabledForeground'],
  unknown: ['question', undefined],
};

/** Icons of what the run records add to a provider's status. */
const ACTIVITY_ICONS: Record<StageActivity['kind'], [string, string]> = {
  building: ['tools', 'charts.blue'],
  approved: ['sync~spin', 'charts.blue'],
  rejected: ['circle-slash', 'testing.iconFailed'],
};

/** A stage's status, as the row says it: what a run is doing first, then drift, then the provider's word. */
export function stageStatusWord(row: { status: StageStatus; activity?: StageActivity; drift?: readonly RunningDifference[] }): { word: string; icon: [string, string | undefined] } {
  const { status, activity, drift } = row;
  // A rejected promotion does not hide what still serves: it reads "rejected" only where nothing does.
  const shownActivity = activity && (activity.kind !== 'rejected' || !['healthy', 'deploying', 'awaiting-approval'].includes(status.kind)) ? activity : undefined;
  if (shownActivity && status.kind !== 'awaiting-approval') return { word: activityWord(shownActivity), icon: ACTIVITY_ICONS[shownActivity.kind] };
  if (drift && drift.length > 0 && status.kind === 'healthy') return { word: 'drifted', icon: ['warning', 'charts.yellow'] };
  return { word: STATUS_LABELS[status.kind], icon: STATUS_ICONS[status.kind] };
}
