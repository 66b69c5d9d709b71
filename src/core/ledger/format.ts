import type { LedgerEntry, StageAttempt } from './types';

const OUTCOME: Record<StageAttempt['outcome'], string> = {
  serving: '● serving',
  served: 'served',
  'rolled-back': '✖ rolled back',
  failed: '✖ failed',
  rejected: '✖ rejected',
  'in-progress': '… in progress',
};

/** The ledger as terminal lines: a line per commit, an indented line per stage attempt. */
export function formatLedger(entries: readonly LedgerEntry[]): string[] {
  const lines: string[] = [];
  for (const e of entries) {
    const now = e.current.length ? `  [runs on ${e.current.join(', ')}]` : '';
    const who = e.author ? ` (${e.author})` : '';
    lines.push(`${e.commit.slice(0, 8)}  ${e.subject ?? '(commit not in this repository)'}${who}${e.artifact ? `  artifact ${e.artifact.slice(0, 12)}` : ''}${now}`);
    if (e.attempts.length === 0) lines.push('    not released yet');
    for (const a of e.attempts) lines.push(`    ${describeAttempt(a)}`);
  }
  return lines;
}

/** "dev  ● serving  2026-01-01 12:00  run 2026…  approved by ann: ship it" */
export function describeAttempt(a: StageAttempt): string {
  const approval = a.approval ? `  ${approvalText(a.approval)}` : '';
  const rollback = a.rollback ? '  (rollback)' : '';
  const detail = a.detail && a.outcome !== 'serving' && a.outcome !== 'served' ? `  — ${a.detail}` : '';
  return `${a.stage.padEnd(10)} ${OUTCOME[a.outcome].padEnd(14)} ${a.at.slice(0, 16).replace('T', ' ')}  run ${a.runId}${rollback}${approval}${detail}`;
}

export function approvalText(a: NonNullable<StageAttempt['approval']>): string {
  if (a.decision === 'waiting') return 'waiting for approval';
  return `${a.decision}${a.by ? ` by ${a.by}` : ''}${a.comment ? `: "${a.comment}"` : ''}`;
}
