import { formatDuration, type RunEvent, type RunRecord } from './pipeline';

/**
 * Turns run events into lines for a person: step boundaries with durations, log lines indented,
 * approvals, rollbacks and the outcome. The CLI prints them; the extension writes them to the
 * run's output channel.
 */
export function printRunEvent(event: RunEvent, out: (line: string) => void, verbose: boolean): void {
  switch (event.type) {
    case 'run-started':
      out(`${event.resumed ? 'Resumed' : 'Started'} run ${event.run.id}: ${event.run.stack} at ${event.run.commit.slice(0, 8)}${event.run.branch ? ` (${event.run.branch})` : ''} → ${event.run.stages.join(' → ')}`);
      break;
    case 'step-started':
      out(`▶ ${event.step.label}`);
      break;
    case 'step-finished': {
      const mark = { succeeded: '✔', warning: '⚠', skipped: '–', failed: '✘', cancelled: '■' }[event.step.status as string] ?? '•';
      const took = event.step.durationMs !== undefined ? ` (${formatDuration(event.step.durationMs)})` : '';
      out(`${mark} ${event.step.label}${took}${event.step.summary ? `: ${event.step.summary}` : ''}`);
      break;
    }
    case 'log':
      if (verbose) out(`    ${event.line}`);
      break;
    case 'awaiting-approval':
      out(`⏸ ${event.stage} waits for approval: run \`stagecraft approve ${event.stage} [--comment C]\` or \`stagecraft reject ${event.stage}\` (or Approve Promotion in VS Code)`);
      break;
    case 'approval-decided':
      out(`${event.approval.decision === 'approved' ? '✔' : '✘'} ${event.stage} ${event.approval.decision} by ${event.approval.by ?? 'unknown'}${event.approval.comment ? `: ${event.approval.comment}` : ''}`);
      break;
    case 'waiting-for-stage':
      out(`⏳ ${event.stage}: ${event.message}`);
      break;
    case 'rolled-back':
      out(`↩ rolled back ${event.stage}: ${event.reason}${event.keeps ? `; it keeps serving ${event.keeps.slice(0, 8)}` : ''}`);
      break;
    case 'run-finished':
      out(summaryLine(event.run));
      break;
  }
}

export function summaryLine(run: RunRecord): string {
  const took = run.durationMs !== undefined ? ` in ${formatDuration(run.durationMs)}` : '';
  const warnings = run.warnings.length ? `\nWarnings:\n${run.warnings.map(w => `  ⚠ ${w}`).join('\n')}` : '';
  return `Run ${run.id} ${run.status}${took}${run.outcome && run.outcome !== run.status ? `: ${run.outcome}` : ''}${warnings}`;
}
