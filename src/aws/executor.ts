import { StagecraftError } from '../core/errors';
import type { Stack, Stage } from '../core/model';
import { stageStackName } from '../core/naming';
import { runHttpChecks, syntheticChecks, type RollbackContext, type Step, type StepContext, type StepExecutor, type StepOutcome } from '../core/pipeline';
import type { ArtifactRef, DeployPrompts } from '../core/provider';
import { describeStack } from './cfn/stacks';
import { buildImageWithCodeBuild } from './codebuild/imageBuild';
import { runMigrationTask } from './ecs/migrate';
import { digestOf, isMissingImage, resolveImage } from './image';
import type { AwsClients } from './clients';
import type { DeployStackResult } from './cfn/deployStack';
import type { AwsPipelines } from './pipeline';
import type { AwsWorkContext } from './workContext';
import { runningImage } from './stageTemplate';
import { readStageSecret } from './stageSecrets';
import { checkRetryMs, checkWithBackoff } from './checks';

/** What the executor needs of the AWS provider (AwsProvider is one). */
export interface AwsStageDeployer {
  readonly name: string;
  readonly pipelines: AwsPipelines;
  readonly pollMs: number | undefined;
  /** How long health checks keep retrying (undefined: the default, or STAGECRAFT_AWS_CHECK_SECONDS). */
  readonly checkRetryMs?: number;
  clientsFor(stage: Pick<Stage, 'profile' | 'region'>): AwsClients;
  deployImage(clients: AwsClients, stack: Stack, stage: Stage, image: { imageUri: string; commit: string; artifact?: string }, ctx?: AwsWorkContext): Promise<DeployStackResult>;
}

/**
 * Runs the AWS provider's pipeline steps (a run started from the IDE or the CLI; the source
 * checks are core's, see runExecutor): the artifact is the image built once for the commit
 * (ECR, by digest); each stage is deployed by updating its stack through a change set, then
 * checked over HTTP at its URL.
 */
export class AwsStepExecutor implements StepExecutor {
  constructor(
    private readonly stack: Stack,
    private readonly provider: AwsStageDeployer,
    /** What deploys ask the person who started the run (Review changes); none: go ahead. */
    private readonly prompts?: DeployPrompts,
  ) {}

  /** A stage secret for the engine's notifications (a webhook URL), from Secrets Manager. */
  async readSecret(stage: string, name: string): Promise<string | undefined> {
    const found = this.stack.stages.find(s => s.name === stage);
    if (!found) return undefined;
    return readStageSecret(this.provider.clientsFor(found), this.stack.name, stage, name);
  }

  async execute(step: Step, ctx: StepContext): Promise<StepOutcome> {
    switch (step.kind) {
      case 'artifact':
        return this.artifact(ctx);
      case 'migrate':
        return this.migrate(step, ctx);
      case 'deploy':
        return this.deploy(step, ctx);
      case 'health':
        return this.check(ctx, [{ path: this.stack.service.healthCheck, method: 'GET' }]);
      case 'synthetic':
        return this.check(ctx, syntheticChecks(this.stack.service));
      case 'promote':
        return { status: 'succeeded', summary: 'ECS moved traffic to the new tasks during the deploy (circuit breaker and alarm rollback guard it)' };
      default:
        throw new StagecraftError(`Step ${step.id} (${step.kind}) is not the AWS provider's: core runs it.`);
    }
  }

  /** After a failed check, the stage goes back to the image it ran before this run. */
  async rollback(stage: Stage, ctx: RollbackContext): Promise<void> {
    const previousImage = ctx.stageOutputs.previousImage;
    const previousCommit = ctx.stageOutputs.previousCommit;
    if (!previousImage || !previousCommit) {
      ctx.log(`${stage.name}: nothing served before this run; the new version stays deployed (${ctx.reason})`);
      return;
    }
    ctx.log(`${stage.name}: rolling back to ${previousCommit.slice(0, 8)} (${ctx.reason})`);
    await this.provider.deployImage(this.provider.clientsFor(stage), this.stack, stage, { imageUri: previousImage, commit: previousCommit }, { log: ctx.log, signal: ctx.signal });
  }

  async artifactExists(artifact: ArtifactRef): Promise<boolean> {
    const stage = this.stack.stages.find(s => s.provider === this.provider.name) ?? this.stack.stages[0];
    try {
      await resolveImage(this.provider.clientsFor(stage), this.stack, artifact);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The image built once for the commit: the one in ECR when there is one; otherwise built now by
   * the stack's CodeBuild project from a snapshot of the commit (no Docker needed here).
   */
  private async artifact(ctx: StepContext): Promise<StepOutcome> {
    const clients = this.provider.pipelines.clients(this.stack);
    const commit = ctx.run.commit;
    let image: string;
    let built = false;
    try {
      image = await resolveImage(clients, this.stack, { id: '', commit }, ctx.signal);
    } catch (err) {
      if (!isMissingImage(err)) throw err;
      ctx.log(`no image for ${commit.slice(0, 8)} in ECR yet: building it with CodeBuild from a snapshot of the commit`);
      image = await buildImageWithCodeBuild(clients, { stack: this.stack, commit, root: this.stack.root, log: ctx.log, signal: ctx.signal });
      built = true;
    }
    // The artifact is the image's digest: its content hash, the same for every stage.
    const how = built ? `built by CodeBuild for ${commit.slice(0, 8)}` : `built once for ${commit.slice(0, 8)}`;
    return { status: 'succeeded', summary: `image ${image} (${how}; every stage gets this digest)`, outputs: { artifact: digestOf(image) } };
  }

  /**
   * The migration runs as a one-off ECS task with the image this stage is about to get, before its
   * deploy; a failure stops the stage with the running version untouched. When the stage (or its
   * database) does not exist yet there is nothing to migrate, and the run says so as a warning.
   */
  private async migrate(step: Step, ctx: StepContext): Promise<StepOutcome> {
    const stage = this.stage(step);
    if (!ctx.artifact) throw new StagecraftError(`${stage.name}: no image to migrate with (the artifact step did not run).`);
    const clients = this.provider.clientsFor(stage);
    const imageUri = await resolveImage(clients, this.stack, ctx.artifact, ctx.signal);
    const command = step.command ?? this.stack.service.migrate;
    if (!command) return { status: 'skipped', summary: 'the service has no migration (service.migrate)' };
    const result = await runMigrationTask(clients, { stack: this.stack, stage, imageUri, command, log: ctx.log, signal: ctx.signal, pollMs: this.provider.pollMs });
    return { status: result.status === 'succeeded' ? 'succeeded' : 'warning', summary: result.summary };
  }

  private async deploy(step: Step, ctx: StepContext): Promise<StepOutcome> {
    const stage = this.stage(step);
    if (!ctx.artifact) throw new StagecraftError(`${stage.name}: no image to deploy (the artifact step did not run).`);
    const clients = this.provider.clientsFor(stage);
    const stackName = stageStackName(this.stack.name, stage.name);
    const imageUri = await resolveImage(clients, this.stack, ctx.artifact, ctx.signal);
    const before = await describeStack(clients, stackName, ctx.signal);
    const result = await this.provider.deployImage(clients, this.stack, stage, { imageUri, commit: ctx.run.commit, artifact: digestOf(imageUri) }, { log: ctx.log, signal: ctx.signal, prompts: this.prompts });
    const outputs: Record<string, string> = {};
    if (result.stack?.outputs.Url) outputs.url = result.stack.outputs.Url;
    const { imageUri: previousImage, commit: previousCommit } = before ? runningImage(before) : {};
    if (previousImage && previousCommit && previousImage !== imageUri) {
      outputs.previousImage = previousImage;
      outputs.previousCommit = previousCommit;
    }
    const what = result.outcome === 'unchanged' ? 'already runs this image' : result.outcome === 'created' ? `created ${stackName}` : `updated ${stackName}`;
    return { status: 'succeeded', summary: `${stage.name}: ${what}${outputs.url ? ` at ${outputs.url}` : ''}`, outputs };
  }

  private async check(ctx: StepContext, checks: Parameters<typeof runHttpChecks>[1]): Promise<StepOutcome> {
    const url = ctx.stageOutputs.url;
    // A stage stack always has a Url output on AWS: without one, nothing was checked, and that must show.
    if (!url) return { status: 'warning', summary: 'the stage stack has no Url output: not checked' };
    return checkWithBackoff(url, checks, { forMs: checkRetryMs(this.provider.checkRetryMs), signal: ctx.signal, log: ctx.log });
  }

  private stage(step: Step): Stage {
    const stage = this.stack.stages.find(s => s.name === step.stage);
    if (!stage) throw new StagecraftError(`Step ${step.id} names stage "${step.stage}", which ${this.stack.name} does not have.`);
    return stage;
  }
}
