import * as path from 'node:path';
import { dirOption, parseCommandArgs, requireStack } from '../core/commandLine';
import { StagecraftError } from '../core/errors';
import type { CliCommand, CliContext } from '../core/providerModule';
import { readRepoFacts } from '../git/repo';
import { runMigrationTask } from './ecs/migrate';
import { writeStageArtifacts } from './pipeline/buildArtifacts';
import { deployRenderedStage } from './pipeline/protectedDeploy';
import { AWS_PROVIDER, awsProviderOf, loadAws } from './load';
import { awsDoctorCommand, awsFoundationDeployCommand, awsFoundationDestroyCommand } from './foundationCli';

/**
 * AWS-only CLI commands (the generic verbs — deploy, status, env, origins, db, destroy, approve —
 * reach AWS stages through the provider). Each loads the AWS module on first use.
 */

async function stackOf(ctx: CliContext, dir?: string) {
  const root = path.resolve(ctx.cwd, dir ?? '.');
  return { root, stack: await requireStack(root, ctx.providers) };
}

const renderUsage = 'stagecraft aws render-stages --image IMAGE@sha256:DIGEST --commit SHA [--out DIR] [--dir DIR]';
/** Run by the pipeline's build: every AWS stage's template and parameters for the image built once. */
export const awsRenderStagesCommand: CliCommand = {
  path: ['aws', 'render-stages'],
  usage: renderUsage,
  summary: 'Write each AWS stage’s CloudFormation template and parameters for one image (used by the pipeline build)',
  async run(ctx) {
    const { values } = parseCommandArgs(ctx.args, { ...dirOption, image: { type: 'string' }, commit: { type: 'string' }, out: { type: 'string' } }, renderUsage);
    if (!values.image || !values.commit) throw new StagecraftError(`--image and --commit are required.\nUsage: ${renderUsage}`, { kind: 'usage' });
    const { stack } = await stackOf(ctx, values.dir);
    const provider = await awsProviderOf(ctx.providers, 'stagecraft aws render-stages');
    const clients = provider.clientsFor(stack.stages.find(s => s.provider === AWS_PROVIDER) ?? {});
    const written = await writeStageArtifacts(clients, stack, values.image, values.commit, path.resolve(ctx.cwd, values.out ?? 'stagecraft-out'), ctx.signal);
    for (const f of written) ctx.out(path.relative(ctx.cwd, f));
    return 0;
  },
};

const pipelineDeployUsage = 'stagecraft aws pipeline deploy [--connection ARN --repository OWNER/REPO --branch BRANCH] [--test-command CMD] [--dir DIR]';
export const awsPipelineDeployCommand: CliCommand = {
  path: ['aws', 'pipeline', 'deploy'],
  usage: pipelineDeployUsage,
  summary: 'Create or update the stack’s release pipeline in CodePipeline (<stack>-pipeline)',
  async run(ctx) {
    const { values } = parseCommandArgs(
      ctx.args,
      { ...dirOption, connection: { type: 'string' }, repository: { type: 'string' }, branch: { type: 'string' }, 'test-command': { type: 'string' } },
      pipelineDeployUsage,
    );
    if (values.connection && !values.repository) throw new StagecraftError(`--connection needs --repository OWNER/REPO.\nUsage: ${pipelineDeployUsage}`, { kind: 'usage' });
    const { stack } = await stackOf(ctx, values.dir);
    const provider = await awsProviderOf(ctx.providers, 'stagecraft aws');
    const connection = values.connection ? { arn: values.connection, repository: values.repository!, branch: values.branch ?? 'main' } : undefined;
    const result = await provider.pipelines.deploy(stack, { connection, testCommand: values['test-command'] }, { signal: ctx.signal, log: ctx.out });
    ctx.out(`Pipeline ${stack.name}: ${result.outcome}.`);
    if (stack.service.migrate) ctx.out(`Each stage's Migrate action runs service.migrate (\`stagecraft aws migrate\`) before its deploy.`);
    return 0;
  },
};

const pipelineRunUsage = 'stagecraft aws pipeline run [--commit SHA] [--watch] [--dir DIR]';
export const awsPipelineRunCommand: CliCommand = {
  path: ['aws', 'pipeline', 'run'],
  usage: pipelineRunUsage,
  summary: 'Start a CodePipeline run of a commit (HEAD by default); --watch follows it to the end',
  async run(ctx) {
    const { values } = parseCommandArgs(ctx.args, { ...dirOption, commit: { type: 'string' }, watch: { type: 'boolean' } }, pipelineRunUsage);
    const { root, stack } = await stackOf(ctx, values.dir);
    const facts = await readRepoFacts(root);
    const commit = values.commit ?? facts.commit;
    if (!commit) throw new StagecraftError('No commit to release: this folder has no commits yet.', { kind: 'input', hint: 'Commit first, or pass --commit SHA.' });
    if (!values.commit && facts.dirty) ctx.err(`Note: uncommitted changes are not released; the run builds ${commit.slice(0, 8)} as committed.`);
    const provider = await awsProviderOf(ctx.providers, 'stagecraft aws');
    const { executionId } = await provider.pipelines.run(stack, { commit, root }, { signal: ctx.signal, log: ctx.out });
    if (!values.watch) {
      ctx.out(`Run ${executionId} started. Follow it with --watch, in the Stagecraft tree, or in the CodePipeline console.`);
      return 0;
    }
    const status = await provider.pipelines.watch(stack, executionId, {
      signal: ctx.signal,
      log: ctx.out,
      onApproval: a => ctx.out(approvalHint(a.stage)),
    });
    ctx.out(`Run ${executionId}: ${status}.`);
    return status === 'Succeeded' ? 0 : 1;
  },
};

/** What to run when a watched run waits for approval: the generic verbs (they reach CodePipeline through the provider). */
export function approvalHint(stage: string): string {
  return `Waiting for approval at ${stage}: \`stagecraft approve ${stage}\` or \`stagecraft reject ${stage}\`.`;
}

const migrateUsage = 'stagecraft aws migrate STAGE --image IMAGE@sha256:DIGEST [--dir DIR]';
/**
 * Runs service.migrate for one AWS stage as a one-off ECS task with the given image: what the
 * pipeline's Migrate action runs before each stage's deploy (IDE and CLI runs do the same step).
 */
export const awsMigrateCommand: CliCommand = {
  path: ['aws', 'migrate'],
  usage: migrateUsage,
  summary: 'Run the service’s migration for an AWS stage as a one-off ECS task with an image (used by the pipeline before each deploy)',
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.args, { ...dirOption, image: { type: 'string' } }, migrateUsage);
    if (positionals.length !== 1 || !values.image) throw new StagecraftError(`Expected one stage name and --image.\nUsage: ${migrateUsage}`, { kind: 'usage' });
    const { stack } = await stackOf(ctx, values.dir);
    const stage = stack.stages.find(s => s.name === positionals[0]);
    if (!stage || stage.provider !== AWS_PROVIDER) {
      const aws = stack.stages.filter(s => s.provider === AWS_PROVIDER).map(s => s.name);
      throw new StagecraftError(`Stack ${stack.name} has no AWS stage "${positionals[0]}".`, { kind: 'input', hint: `Its AWS stages: ${aws.join(', ') || '(none)'}.` });
    }
    if (!stack.service.migrate) {
      ctx.out(`${stack.name}/${stage.name}: no migration to run (service.migrate is not set in stagecraft.yaml).`);
      return 0;
    }
    const provider = await awsProviderOf(ctx.providers, 'stagecraft aws');
    const result = await runMigrationTask(provider.clientsFor(stage), { stack, stage, imageUri: values.image, command: stack.service.migrate, log: ctx.out, signal: ctx.signal });
    ctx.out(result.summary);
    return 0;
  },
};

const deployRenderedUsage = 'stagecraft aws deploy-rendered STAGE [--from DIR] [--role-arn ARN] [--dir DIR]';
/**
 * Deploys one stage from the files the pipeline's build rendered, with termination protection and
 * rollback triggers: the pipeline's deploy action of protected stages (CodePipeline's CloudFormation
 * action sets neither).
 */
export const awsDeployRenderedCommand: CliCommand = {
  path: ['aws', 'deploy-rendered'],
  usage: deployRenderedUsage,
  summary: 'Deploy an AWS stage from the template and configuration the pipeline build rendered, with termination protection and rollback triggers',
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.args, { ...dirOption, from: { type: 'string' }, 'role-arn': { type: 'string' } }, deployRenderedUsage);
    if (positionals.length !== 1) throw new StagecraftError(`Expected one stage name.\nUsage: ${deployRenderedUsage}`, { kind: 'usage' });
    const { stack } = await stackOf(ctx, values.dir);
    const stage = stack.stages.find(s => s.name === positionals[0]);
    if (!stage || stage.provider !== AWS_PROVIDER) {
      const aws = stack.stages.filter(s => s.provider === AWS_PROVIDER).map(s => s.name);
      throw new StagecraftError(`Stack ${stack.name} has no AWS stage "${positionals[0]}".`, { kind: 'input', hint: `Its AWS stages: ${aws.join(', ') || '(none)'}.` });
    }
    const provider = await awsProviderOf(ctx.providers, 'stagecraft aws');
    const result = await deployRenderedStage(provider.clientsFor(stage), stack, stage, path.resolve(ctx.cwd, values.from ?? '.'), {
      roleArn: values['role-arn'] || undefined,
      log: ctx.out,
      signal: ctx.signal,
      pollMs: provider.pollMs,
    });
    ctx.out(`${stack.name}/${stage.name}: ${result.outcome}.`);
    return 0;
  },
};

const whoamiUsage = 'stagecraft aws whoami [--profile NAME] [--region REGION]';
export const awsWhoamiCommand: CliCommand = {
  path: ['aws', 'whoami'],
  usage: whoamiUsage,
  summary: 'Show the AWS account, identity and region Stagecraft calls with (STS GetCallerIdentity)',
  async run(ctx) {
    const { values } = parseCommandArgs(ctx.args, { profile: { type: 'string' }, region: { type: 'string' } }, whoamiUsage);
    const [aws, provider] = await Promise.all([loadAws(), awsProviderOf(ctx.providers, 'stagecraft aws whoami')]);
    const id = await aws.callerIdentity(provider.pool.get({ profile: values.profile, region: values.region }), ctx.signal);
    ctx.out(`account ${id.account}\nidentity ${id.arn}\nprofile ${id.profile ?? '(default chain)'}\nregion ${id.region ?? '(none set)'}`);
    return 0;
  },
};

// Issue 16: the foundation verbs live in foundationCli.ts.
export const AWS_COMMANDS: CliCommand[] = [awsWhoamiCommand, awsPipelineDeployCommand, awsPipelineRunCommand, awsRenderStagesCommand, awsMigrateCommand, awsDeployRenderedCommand, awsFoundationDeployCommand, awsFoundationDestroyCommand, awsDoctorCommand];
