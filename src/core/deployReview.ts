import type { DeployReview, PlannedResourceChange } from './provider';

const MARKS: Record<PlannedResourceChange['kind'], string> = {
  add: '+ add',
  modify: '~ modify',
  replace: '! REPLACE',
  'may-replace': '? may replace',
  remove: '- REMOVE',
};

const ORDER: PlannedResourceChange['kind'][] = ['remove', 'replace', 'may-replace', 'add', 'modify'];

/** The changes, the risky ones (remove, replace) first. */
export function orderedChanges(review: DeployReview): PlannedResourceChange[] {
  return [...review.changes].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
}

/** One line per resource, the risky ones first: "! REPLACE  Database (AWS::RDS::DBInstance)". */
export function reviewLines(review: DeployReview): string[] {
  const width = Math.max(...review.changes.map(c => MARKS[c.kind].length), 0);
  return orderedChanges(review).map(c => `${MARKS[c.kind].padEnd(width)}  ${c.resource} (${c.type})${c.kind === 'modify' && c.scope.length ? `: ${c.scope.join(', ')}` : ''}`);
}

/**
 * Whether a review shows something that can lose data or break what serves: a removal, or a
 * replacement of anything but a task definition (ECS gets a new revision on every deploy: routine).
 */
export function isRiskyReview(review: DeployReview): boolean {
  return review.changes.some(c => c.kind === 'remove' || ((c.kind === 'replace' || c.kind === 'may-replace') && c.type !== 'AWS::ECS::TaskDefinition'));
}

/** The whole review as a Markdown document (Show All Changes). */
export function reviewMarkdown(review: DeployReview): string {
  return [
    `# ${review.creates ? 'Create' : 'Update'} ${review.label}`,
    '',
    `${review.target}: ${review.summary}.`,
    '',
    '```text',
    ...(review.changes.length ? reviewLines(review) : ['(no resource changes listed)']),
    '```',
    '',
    'Nothing has changed yet: the deploy waits for your answer in Review changes.',
    '',
  ].join('\n');
}
