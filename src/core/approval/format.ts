import type { ApprovalEvidence } from './evidence';

const MARKS: Record<string, string> = { add: '+ add', modify: '~ modify', replace: '! REPLACE', 'may-replace': '? may replace', remove: '- REMOVE' };
const STATUS: Record<string, string> = { succeeded: '✔', warning: '⚠', failed: '✖', skipped: '–' };

/** The evidence as plain text (`stagecraft approve`): the same sections as the review panel. */
export function evidenceLines(e: ApprovalEvidence, digest: string): string[] {
  const out: string[] = [];
  out.push(`Promote ${short(e.candidate.commit)} to ${e.stage} (${e.stack}), run ${e.runId}`);
  out.push(e.running.commit ? `${e.stage} runs ${short(e.running.commit)} now${e.running.since ? ` (since ${e.running.since})` : ''}` : `${e.stage} has not run any version yet`);
  out.push('', `Commits (${e.commits.list.length}${e.commits.truncated ? '+' : ''}):`);
  if (e.commits.note) out.push(`  ${e.commits.note}`);
  if (e.commits.list.length === 0 && !e.commits.note) out.push(`  none: ${e.stage} already runs this code`);
  for (const c of e.commits.list) out.push(`  ${short(c.hash)} ${c.subject} — ${c.author}, ${c.date.slice(0, 10)}`);
  if (e.commits.behind > 0) out.push(`  note: ${e.stage} runs ${e.commits.behind} commit(s) this version does not contain`);
  out.push('', e.config.from ? `Configuration ${e.config.from} → ${e.stage}:` : 'Configuration:');
  if (!e.config.from) out.push(`  ${e.stage} is the first stage: nothing to compare with`);
  else if (e.config.changes.length === 0) out.push(`  configured the same way`);
  for (const line of e.config.changes) out.push(`  ${line}`);
  if (e.changeSet?.unavailable) out.push('', `Change set not available: ${e.changeSet.unavailable}`);
  else if (e.changeSet) {
    out.push('', `Change set: ${e.changeSet.summary}`);
    for (const c of e.changeSet.changes) out.push(`  ${(MARKS[c.kind] ?? c.kind).padEnd(13)} ${c.resource} (${c.type})${c.scope.length ? `: ${c.scope.join(', ')}` : ''}`);
  }
  out.push('', 'Checks:');
  if (e.checks.length === 0) out.push('  none recorded');
  for (const c of e.checks) out.push(`  ${STATUS[c.status] ?? c.status} ${c.label}${c.summary ? `: ${c.summary}` : ''}`);
  if (e.sbom) out.push(`  SBOM: ${e.sbom.components} components${sbomNews(e.sbom)}`);
  out.push('', 'Approved before:');
  if (e.approvals.length === 0) out.push('  no earlier stage needed an approval');
  for (const a of e.approvals) out.push(`  ${a.stage}: ${a.decision}${a.by ? ` by ${a.by}` : ''}${a.comment ? ` ("${a.comment}")` : ''}${a.at ? ` at ${a.at}` : ''}`);
  out.push('', `Evidence digest: ${digest}`);
  return out;
}

/** ", 3 new since the running release: a@1, b@2, c@3" */
export function sbomNews(sbom: NonNullable<ApprovalEvidence['sbom']>): string {
  if (!sbom.comparedWith) return ' (no SBOM of the running release to compare with)';
  if (sbom.addedTotal === 0) return ', none new since the running release';
  return `, ${sbom.addedTotal} new since the running release: ${sbom.added.join(', ')}${sbom.addedTotal > sbom.added.length ? ', …' : ''}`;
}

function short(commit: string): string {
  return commit.slice(0, 8);
}
