import type { DeployPrompts, DeployReview, PlannedResourceChange } from '../../core/provider';
import { summarizeReview, type ChangeReview, type ResourceChange } from './changeSet';
import type { DeployStackRequest } from './deployStack';
import type { StackInfo } from './stacks';

/** A change set's review in the provider-neutral shape the IDE shows. */
export function toDeployReview(review: ChangeReview, label: string): DeployReview {
  const planned = (kind: PlannedResourceChange['kind']) => (c: ResourceChange): PlannedResourceChange => ({ resource: c.logicalId, type: c.type, kind, scope: c.scope });
  return {
    label,
    target: `CloudFormation stack ${review.stackName}`,
    creates: review.changeSetType === 'CREATE',
    changes: [
      ...review.added.map(planned('add')),
      ...review.replaced.map(c => planned(c.replacement === 'True' ? 'replace' : 'may-replace')(c)),
      ...review.modified.map(planned('modify')),
      ...review.removed.map(planned('remove')),
    ],
    summary: summarizeReview(review),
  };
}

/**
 * The deployStack callbacks for what the person who started the work may be asked. Callbacks the
 * caller passed directly win; with neither, the deploy goes ahead (the CLI and CI).
 */
export function promptCallbacks(
  label: string,
  prompts: DeployPrompts | undefined,
  direct: Pick<DeployStackRequest, 'review' | 'confirmRecreate'> = {},
): Pick<DeployStackRequest, 'review' | 'confirmRecreate'> {
  const reviewChanges = prompts?.reviewChanges?.bind(prompts);
  const confirmRecreate = prompts?.confirmRecreate?.bind(prompts);
  return {
    review: direct.review ?? (reviewChanges ? (review: ChangeReview) => reviewChanges(toDeployReview(review, label)) : undefined),
    confirmRecreate: direct.confirmRecreate ?? (confirmRecreate ? (_stack: StackInfo, why: string) => confirmRecreate(label, why) : undefined),
  };
}
