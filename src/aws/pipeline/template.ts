import { StagecraftError } from '../../core/errors';
import type { Stack, Stage } from '../../core/model';
import { stageStackName } from '../../core/naming';
import { parseDuration } from '../../core/pipeline/duration';
import { imageRepositoryName } from '../image';
import { TAG } from '../stageTemplate';
import { loadTemplate, type Template } from '../templates';

/** Names shared by the template, the run watcher and approvals. */
export const PIPELINE = {
  stackSuffix: 'pipeline',
  approveAction: 'Approve',
  migrateAction: 'Migrate',
  deployAction: 'Deploy',
  /** The CodeBuild project that deploys protected stages (templates/pipeline.yaml). */
  protectedDeployProject: 'ProtectedDeployProject',
  buildArtifact: 'Build',
  commitVariable: 'CommitId',
} as const;

/** The CloudFormation stack of the release pipeline; the pipeline itself is named after the stack. */
export function pipelineStackName(stack: string): string {
  return `${stack}-${PIPELINE.stackSuffix}`;
}

/** The CodePipeline stage that promotes to one Stagecraft stage. */
export function pipelineStageName(stage: string): string {
  return `Deploy-${stage}`;
}

/** The Stagecraft stage a pipeline stage promotes to, or undefined (Source, Build). */
export function stageOfPipelineStage(name: string | undefined): string | undefined {
  return name?.startsWith('Deploy-') ? name.slice('Deploy-'.length) : undefined;
}

export interface PipelineOptions {
  /** A CodeStar connection to GitHub, GitLab or Bitbucket; absent: S3 snapshots uploaded by Stagecraft. */
  connection?: { arn: string; repository: string; branch: string };
  /** The Stagecraft bundle the build runs: where it was uploaded and its SHA-256 (never a registry download). */
  bundle?: { bucket: string; key: string; sha256: string };
  /** The service's test command in the build; empty skips it. */
  testCommand?: string;
  /** The pipeline's region: every stage it deploys must be in it. */
  region?: string;
}

export interface RenderedPipeline {
  stackName: string;
  template: Template;
  parameters: Record<string, string>;
  tags: Record<string, string>;
}

/** Manual approvals wait at most this long in CodePipeline (7 days), and at least 5 minutes. */
const APPROVAL_MINUTES = { min: 5, max: 7 * 24 * 60 };

/**
 * templates/pipeline.yaml with one pipeline stage per AWS stage of the stack, in promotion order:
 * a Manual approval first where the stage requires one, then a CloudFormation deploy of
 * `<stack>-<stage>` with the template and parameters the build rendered for that stage.
 */
export function renderPipeline(stack: Stack, options: PipelineOptions = {}, template: Template = loadTemplate('pipeline')): RenderedPipeline {
  const stages = stack.stages.filter(s => s.provider === 'aws');
  if (stages.length === 0) {
    throw new StagecraftError(`Stack "${stack.name}" has no AWS stages for a release pipeline to deploy.`, { kind: 'input', hint: 'Add one with `provider: aws` (Add Stage).' });
  }
  if (stack.stages.some(s => s.name === PIPELINE.stackSuffix)) {
    throw new StagecraftError(`Stack "${stack.name}" has a stage named "${PIPELINE.stackSuffix}", whose stack name the release pipeline uses.`, { kind: 'input', hint: 'Rename that stage.' });
  }
  for (const s of stages) {
    if (options.region && s.region && s.region !== options.region) {
      throw new StagecraftError(`${stack.name}/${s.name} is in ${s.region}, but the pipeline deploys in ${options.region}.`, {
        kind: 'input',
        hint: 'Stages released by one pipeline share its region: remove `region:` from the stage or give it the pipeline’s.',
      });
    }
  }
  const pipeline = template.Resources.Pipeline?.Properties;
  if (!pipeline) throw new StagecraftError('templates/pipeline.yaml has no Pipeline resource.', { kind: 'unavailable' });
  for (const stage of stages) pipeline.Stages.push(deployStage(stack, stage));

  const parameters: Record<string, string> = {
    StackName: stack.name,
    ImageRepositoryName: imageRepositoryName(stack),
    Dockerfile: stack.service.dockerfile,
    TestCommand: options.testCommand ?? '',
  };
  // Required by the template: `aws pipeline deploy` uploads the bundle and passes it here.
  if (options.bundle) {
    parameters.StagecraftBundleBucket = options.bundle.bucket;
    parameters.StagecraftBundleKey = options.bundle.key;
    parameters.StagecraftBundleSha256 = options.bundle.sha256;
  }
  if (options.connection) {
    parameters.ConnectionArn = options.connection.arn;
    parameters.FullRepositoryId = options.connection.repository;
    parameters.BranchName = options.connection.branch;
  }
  return { stackName: pipelineStackName(stack.name), template, parameters, tags: { [TAG.stack]: stack.name, [TAG.stage]: PIPELINE.stackSuffix } };
}

function deployStage(stack: Stack, stage: Stage): Record<string, unknown> {
  const actions: Array<Record<string, unknown>> = [];
  if (stage.requireApproval) {
    const approve: Record<string, unknown> = {
      Name: PIPELINE.approveAction,
      ActionTypeId: { Category: 'Approval', Owner: 'AWS', Provider: 'Manual', Version: '1' },
      Configuration: { CustomData: `Promote commit #{variables.${PIPELINE.commitVariable}} to ${stack.name}/${stage.name}?` },
      RunOrder: 1,
    };
    if (stage.approvalTimeout) approve.TimeoutInMinutes = approvalMinutes(stack, stage);
    actions.push(approve);
  }
  // The stage's migration runs with the new image before its deploy (as `stagecraft pipeline run` does).
  if (stack.service.migrate) {
    actions.push({
      Name: PIPELINE.migrateAction,
      ActionTypeId: { Category: 'Build', Owner: 'AWS', Provider: 'CodeBuild', Version: '1' },
      Configuration: {
        ProjectName: { Ref: 'MigrateProject' },
        EnvironmentVariables: JSON.stringify([{ name: 'STAGE', value: stage.name, type: 'PLAINTEXT' }]),
      },
      InputArtifacts: [{ Name: PIPELINE.buildArtifact }],
      RunOrder: 2,
    });
  }
  // CodePipeline's CloudFormation action sets neither termination protection nor rollback
  // triggers: a protected stage deploys through the verified bundle, as the IDE and CLI deploy it.
  if (stage.protected) {
    actions.push({
      Name: PIPELINE.deployAction,
      ActionTypeId: { Category: 'Build', Owner: 'AWS', Provider: 'CodeBuild', Version: '1' },
      Configuration: {
        ProjectName: { Ref: PIPELINE.protectedDeployProject },
        EnvironmentVariables: JSON.stringify([{ name: 'STAGE', value: stage.name, type: 'PLAINTEXT' }]),
      },
      InputArtifacts: [{ Name: PIPELINE.buildArtifact }],
      RunOrder: 3,
    });
    return { Name: pipelineStageName(stage.name), Actions: actions };
  }
  actions.push({
    Name: PIPELINE.deployAction,
    ActionTypeId: { Category: 'Deploy', Owner: 'AWS', Provider: 'CloudFormation', Version: '1' },
    Configuration: {
      ActionMode: 'CREATE_UPDATE',
      StackName: stageStackName(stack.name, stage.name),
      TemplatePath: `${PIPELINE.buildArtifact}::${stage.name}.template.json`,
      TemplateConfiguration: `${PIPELINE.buildArtifact}::${stage.name}.config.json`,
      Capabilities: 'CAPABILITY_IAM,CAPABILITY_NAMED_IAM',
      RoleArn: { 'Fn::GetAtt': ['DeployRole', 'Arn'] },
    },
    InputArtifacts: [{ Name: PIPELINE.buildArtifact }],
    RunOrder: 3,
  });
  return { Name: pipelineStageName(stage.name), Actions: actions };
}

function approvalMinutes(stack: Stack, stage: Stage): number {
  const minutes = Math.round(parseDuration(stage.approvalTimeout!) / 60_000);
  if (minutes < APPROVAL_MINUTES.min || minutes > APPROVAL_MINUTES.max) {
    throw new StagecraftError(`${stack.name}/${stage.name}: approvalTimeout ${stage.approvalTimeout} is outside what CodePipeline allows (5 minutes to 7 days).`, { kind: 'input' });
  }
  return minutes;
}
