import { formatClock } from '../../core/logs';
import { formatDuration, type RunEvent, type RunRecord, type StepRecord } from '../../core/pipeline';

const MARKS: Record<string, string> = { succeeded: '✔', warning: '⚠', skipped: '–', failed: '✖', cancelled: '■', pending: '·', running: '…', 'awaiting-approval': '·' };

/**
 * The lines of a run's output channel: each stamped with its local time, step boundaries with
 * their durations, the step's own log lines indented under it, approvals, rollbacks, and at the
 * end the outcome with a table of every step and how long it took. The engine also logs its step
 * boundaries as plain lines; those are left out here since the step events already show them.
 */
export class RunOutputFormat {
  private readonly labels = new Map<string, string>();

  lines(event: RunEvent, now = Date.now()): string[] {
    const at = (time: number | string | undefined) => formatClock(typeof time === 'string' ? Date.parse(time) : (time ?? now), now);
    switch (event.type) {
      case 'run-started': {
        const r = event.run;
        for (const s of r.steps) this.labels.set(s.id, s.label);
        return [`${at(r.createdAt)} ${event.resumed ? 'Resumed' : 'Started'} run ${r.id} of ${r.stack}: commit ${r.commit.slice(0, 8)}${r.branch ? ` (${r.branch})` : ''}${r.stages.length ? ` → ${r.stages.join(' → ')}` : ''}${r.startedBy ? `, by ${r.startedBy}` : ''}`];
      }
      case 'step-started':
        this.labels.set(event.step.id, event.step.label);
        return [`${at(event.step.startedAt)} ▶ ${event.step.label}`];
      case 'step-finished': {
        const s = event.step;
        const took = s.durationMs !== undefined ? ` in ${formatDuration(s.durationMs)}` : '';
        return [`${at(s.endedAt)} ${MARKS[s.status] ?? '·'} ${s.label} ${s.status}${took}${s.summary ? `: ${s.summary}` : ''}`];
      }
      case 'log':
        if (this.isBoundary(event.stepId, event.line)) return [];
        return [`${at(event.time)}     ${event.line}`];
      case 'awaiting-approval':
        return [`${at(now)} ${event.stage} waits for approval${event.step.approval ? ` until ${new Date(event.step.approval.expiresAt).toLocaleString()}` : ''}: Review… in the notification or the status bar`];
      case 'approval-decided': {
        const a = event.approval;
        const what = a.decision === 'timed-out' ? 'timed out: nobody decided in time' : `${a.decision} by ${a.by ?? 'someone'}${a.comment ? `: ${a.comment}` : ''}`;
        return [`${at(a.at)} ${a.decision === 'approved' ? '✔' : '✖'} promotion to ${event.stage} ${what}`];
      }
      case 'waiting-for-stage':
        return []; // the engine's log line of the same wait is shown
      case 'rolled-back':
        return [`${at(now)} ↩ ${event.stage} rolled back (${event.reason}); ${event.keeps ? `it keeps serving ${event.keeps.slice(0, 8)}` : 'it had no earlier version'}`];
      case 'run-finished':
        return ['', ...summaryTable(event.run, at)];
    }
  }

  /** The engine's own "▶ label" and "✔ label succeeded (…)" lines, and its run header and footer. */
  private isBoundary(stepId: string | undefined, line: string): boolean {
    if (!stepId) return /^(Run \S+ of stack |Resuming run |Run (succeeded|failed|rejected|cancelled|running|awaiting-approval|interrupted):)/.test(line);
    const label = this.labels.get(stepId);
    if (!label) return false;
    return line === `▶ ${label}` || new RegExp(`^[✔⚠–✖■·] ${escapeRegExp(label)} (succeeded|warning|skipped|failed|cancelled)\\b`).test(line);
  }
}

/**
 * The header line that starts each run in the one "Stagecraft Runs" channel: run id, stack,
 * commit, stages and the local time, so runs read apart in a channel they share.
 */
export function runHeader(run: Pick<RunRecord, 'id' | 'stack' | 'commit' | 'stages' | 'createdAt'>, resumed = false): string {
  const when = new Date(run.createdAt);
  const time = Number.isNaN(when.getTime()) ? run.createdAt : when.toLocaleString();
  return `==== ${resumed ? 'Resumed run' : 'Run'} ${run.id} · ${run.stack} · commit ${run.commit.slice(0, 7)} · ${run.stages.length ? run.stages.join(' → ') : 'no stages'} · ${time} ====`;
}

/** What the notification at the end of a run says: one line, no run id, no URLs. */
export interface RunToast {
  level: 'info' | 'warning' | 'error';
  text: string;
}

/**
 * The one-line notification of a finished run ("Released abc1234 to dev, test, prod — 1 warning"),
 * with a level that matches it: warning when the run has warnings or was rejected, error when it
 * failed. Details (steps, warnings, URLs) are in the output channel; a cancelled run shows none.
 */
export function runToast(run: RunRecord): RunToast | undefined {
  const commit = run.commit.slice(0, 7);
  const serving = run.stages.filter(s => run.stageRecords?.[s]?.status === 'serving');
  const warnings = run.warnings.length ? ` — ${run.warnings.length} warning${run.warnings.length === 1 ? '' : 's'}` : '';
  switch (run.status) {
    case 'succeeded':
      if (run.rollbackTo) return { level: run.warnings.length ? 'warning' : 'info', text: `Rolled ${run.rollbackTo.stage} back to ${commit}${warnings}` };
      return { level: run.warnings.length ? 'warning' : 'info', text: `Released ${commit} to ${(serving.length ? serving : run.stages).join(', ')}${warnings}` };
    case 'rejected': {
      const step = run.steps.find(s => s.approval?.decision === 'rejected');
      const by = step?.approval?.by ? ` by ${step.approval.by}` : '';
      const reached = serving.length ? `; ${serving.join(', ')} ${serving.length === 1 ? 'runs' : 'run'} it` : '';
      return { level: 'warning', text: `Promotion of ${commit} to ${step?.stage ?? 'the next stage'} rejected${by}${reached}` };
    }
    case 'failed': {
      const step = run.steps.find(s => s.status === 'failed');
      const kept = run.rollback ? `; ${run.rollback.stage} ${run.rollback.keeps ? `keeps serving ${run.rollback.keeps.slice(0, 7)}` : 'was rolled back'}` : '';
      return { level: 'error', text: `Release of ${commit} failed${step ? ` at ${step.label}` : ''}${kept}` };
    }
    default:
      return undefined;
  }
}

function summaryTable(run: RunRecord, at: (t: string | undefined) => string): string[] {
  const took = run.durationMs !== undefined ? ` in ${formatDuration(run.durationMs)}` : '';
  const out = [`${at(run.endedAt)} Run ${run.status}${took}${run.outcome && run.outcome !== run.status ? `: ${run.outcome}` : ''}`];
  const width = Math.max(0, ...run.steps.map(s => s.label.length));
  for (const s of run.steps) out.push(`    ${MARKS[s.status] ?? '·'} ${s.label.padEnd(width)}  ${stepTime(s)}`);
  for (const w of run.warnings) out.push(`    ⚠ ${w}`);
  return out;
}

function stepTime(s: StepRecord): string {
  const reused = /^checks reused from run (\S+):/.exec(s.summary ?? '');
  if (reused) return `reused from run ${reused[1]}`;
  if (s.durationMs !== undefined) return formatDuration(s.durationMs);
  return s.status === 'pending' ? 'not run' : s.status;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
