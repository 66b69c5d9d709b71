import type { Stage } from '../../core/model';

/**
 * How long CloudFormation keeps watching the rollback alarms after an update: a protected stage
 * bakes for 10 minutes; other stages are watched during the update only (0), so deploys finish.
 */
export function monitoringMinutes(stage: Pick<Stage, 'protected'>): number {
  return stage.protected ? 10 : 0;
}

/** Alarm ARNs as CloudFormation rollback triggers accept them; anything else is left out. */
const ALARM_ARN = /^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:\d{12}:alarm:[^${}]+$/;

/** The stage's alarms from its stack's `AlarmArns` output: the triggers of its next update (a new stack has none yet). */
export function rollbackAlarmArns(outputs: Record<string, string> | undefined): string[] {
  return (outputs?.AlarmArns ?? '').split(',').filter(a => ALARM_ARN.test(a));
}
