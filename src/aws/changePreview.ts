import { StagecraftError } from '../core/errors';
import type { Stack, Stage } from '../core/model';
import { stageStackName } from '../core/naming';
import type { ArtifactRef, DeployReview, PlannedResourceChange } from '../core/provider';
import { createChangeSet, deleteChangeSet } from './cfn/changeSet';
import { toDeployReview } from './cfn/prompts';
import { describeStack, isInProgress, UPDATABLE } from './cfn/stacks';
import type { AwsClients } from './clients';
import { foundationStackName, readFoundation } from './foundation';
import { digestOf, resolveImage } from './image';
import { describeStageSecrets } from './stageSecrets';
import { renderStage, toParameterList, toTagList } from './stageTemplate';
import { loadTemplate, templateBody, templatesDir, type Template } from './templates';

export interface PreviewOptions {
  /** Folder holding stage.yaml (the packaged templates/ by default). */
  templatesDir?: string;
  signal?: AbortSignal;
  pollMs?: number;
  /** How long CloudFormation may take to compute the change set. */
  timeoutMs?: number;
}

/** Deleting the preview's change set gets its own short time: it must happen even after the caller gave up. */
const CLEANUP_MS = 15_000;

/**
 * What deploying `candidate` to the stage would change, without changing anything lasting: a change
 * set for the stage stack is created, described and deleted, never executed. A stage (or foundation)
 * that does not exist yet is not created to find out: the answer is "the stage will be created",
 * every resource of the stage template added.
 */
export async function previewStageChanges(clients: AwsClients, stack: Stack, stage: Stage, candidate: ArtifactRef, options: PreviewOptions = {}): Promise<DeployReview> {
  const label = `${stack.name}/${stage.name}`;
  const stackName = stageStackName(stack.name, stage.name);
  const dir = options.templatesDir ?? templatesDir();
  const current = await describeStack(clients, stackName, options.signal, `${label}: read stack ${stackName}`);
  // A stack holding only an unexecuted change set, or one deleted, is created by the next deploy.
  if (!current || current.status === 'REVIEW_IN_PROGRESS' || current.status === 'DELETE_COMPLETE') {
    const foundation = await describeStack(clients, foundationStackName(stack.name), options.signal, `${stack.name}: read stack ${foundationStackName(stack.name)}`);
    const withFoundation = !foundation || foundation.status === 'REVIEW_IN_PROGRESS' || foundation.status.startsWith('DELETE') ? foundationStackName(stack.name) : undefined;
    return creationReview(label, stackName, stage, loadTemplate('stage', dir), withFoundation);
  }
  if (isInProgress(current.status)) {
    throw new StagecraftError(`${stackName} is busy (${current.status}): another deployment is running.`, { kind: 'input' });
  }
  if (!UPDATABLE.has(current.status)) {
    throw new StagecraftError(`${stackName} is ${current.status} and cannot be updated as it is.`, { kind: 'input' });
  }

  const imageUri = await resolveImage(clients, stack, candidate, options.signal);
  const secretNames = Object.values(stage.env).flatMap(v => (typeof v === 'string' ? [] : [v.secret]));
  const secrets = await describeStageSecrets(clients, stack.name, stage.name, secretNames, options.signal);
  // Read, never ensured: the stage exists, so its foundation must too.
  const foundation = await readFoundation(clients, stack, options.signal);
  const artifact = imageUri === candidate.id ? digestOf(imageUri) : candidate.id;
  const rendered = renderStage({ stack, stage, imageUri, commit: candidate.commit, artifact, secrets, foundation }, loadTemplate('stage', dir));

  const name = `stagecraft-preview-${Date.now().toString(36)}`;
  try {
    const changeSet = await createChangeSet(clients, {
      stackName,
      type: 'UPDATE',
      changeSetName: name,
      templateBody: templateBody(rendered.template),
      parameters: toParameterList(rendered.parameters),
      tags: toTagList(rendered.tags),
      description: `Stagecraft approval review of ${label} (read, then deleted; never executed)`,
      signal: options.signal,
      pollMs: options.pollMs,
      timeoutMs: options.timeoutMs,
    });
    const review = toDeployReview(changeSet.review, label);
    return changeSet.noChanges ? { ...review, summary: 'no changes: the stage stack already matches' } : review;
  } finally {
    // Whatever happened (aborted, timed out, failed), the change set does not stay behind.
    await deleteChangeSet(clients, name, stackName, AbortSignal.timeout(CLEANUP_MS)).catch(() => undefined);
  }
}

/** Every resource the stage template would create for this stage (its conditions decided where they can be). */
function creationReview(label: string, stackName: string, stage: Stage, template: Template, foundation: string | undefined): DeployReview {
  const parameters: Record<string, string> = { DatabaseEngine: stage.database === 'postgres' ? 'postgres' : 'none' };
  const changes: PlannedResourceChange[] = Object.entries(template.Resources)
    .filter(([, r]) => !r.Condition || conditionHolds(template, r.Condition, parameters) !== false)
    .map(([resource, r]) => ({ resource, type: r.Type, kind: 'add', scope: [] }));
  return {
    label,
    target: `CloudFormation stack ${stackName}`,
    creates: true,
    changes,
    summary: `the stage will be created: ${changes.length} to add${foundation ? ` (and the stack's foundation ${foundation} before it)` : ''}`,
  };
}

/** A template condition's value from the known parameters; undefined when it depends on others. */
function conditionHolds(template: Template, name: string, parameters: Record<string, string>): boolean | undefined {
  const value = (node: unknown): unknown => {
    if (typeof node === 'string') return node;
    if (!node || typeof node !== 'object') return undefined;
    const n = node as Record<string, unknown>;
    if ('Ref' in n) return parameters[n.Ref as string];
    if ('Condition' in n) return conditionHolds(template, n.Condition as string, parameters);
    const args = (key: string) => (n[key] as unknown[]).map(value);
    if ('Fn::Equals' in n) {
      const [a, b] = args('Fn::Equals');
      return a === undefined || b === undefined ? undefined : a === b;
    }
    if ('Fn::Not' in n) {
      const [a] = args('Fn::Not');
      return typeof a === 'boolean' ? !a : undefined;
    }
    if ('Fn::And' in n) {
      const all = args('Fn::And');
      return all.includes(false) ? false : all.every(a => a === true) ? true : undefined;
    }
    if ('Fn::Or' in n) {
      const all = args('Fn::Or');
      return all.includes(true) ? true : all.every(a => a === false) ? false : undefined;
    }
    return undefined;
  };
  const result = value(template.Conditions?.[name]);
  return typeof result === 'boolean' ? result : undefined;
}
