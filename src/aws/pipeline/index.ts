import { ensureFoundation } from '../foundation';
import { uploadBundle } from './bundle';
import { StagecraftError } from '../../core/errors';
import type { Stack, Stage } from '../../core/model';
import type { DeployStackResult } from '../cfn/deployStack';
import { deployStack } from '../cfn/deployStack';
import { promptCallbacks } from '../cfn/prompts';
import { describeStack, type StackInfo } from '../cfn/stacks';
import type { AwsClients } from '../clients';
import type { AwsWorkContext } from '../workContext';
import { toParameterList, toTagList } from '../stageTemplate';
import { loadTemplate, templateBody, type Template } from '../templates';
import { decideApproval, pendingApprovals, type PendingPipelineApproval } from './approvals';
import { activeRuns, startPipelineRun, watchPipelineRun, type ExecutionStatus, type RunLine } from './runs';
import { gitArchiveZip, uploadSourceSnapshot } from './source';
import { pipelineStackName, renderPipeline, type PipelineOptions } from './template';

export { PIPELINE, pipelineStackName, pipelineStageName, renderPipeline, type PipelineOptions } from './template';
export { renderStageArtifacts, writeStageArtifacts } from './buildArtifacts';
export type { PendingPipelineApproval } from './approvals';
export type { RunLine, ExecutionStatus } from './runs';

/** What the pipeline stack says about the pipeline (its outputs). */
export interface PipelineInfo {
  stackName: string;
  pipelineName: string;
  bucket: string;
  sourceKey: string;
  /** The source is a CodeStar connection (runs are pinned by commit), not S3 snapshots. */
  usesConnection: boolean;
  stack: StackInfo;
}

/**
 * The release pipeline of a stack in CodePipeline: create or update its stack, start a run for a
 * commit, follow the run, find and decide approvals. Pipeline calls use the clients of the
 * stack's first AWS stage (its profile and region).
 */
export class AwsPipelines {
  constructor(
    private readonly clientsFor: (stage: Pick<Stage, 'profile' | 'region'>) => AwsClients,
    private readonly templatesDir?: string,
  ) {}

  clients(stack: Stack): AwsClients {
    const first = stack.stages.find(s => s.provider === 'aws');
    if (!first) throw new StagecraftError(`Stack "${stack.name}" has no AWS stages.`, { kind: 'input', hint: 'Add a stage with `provider: aws`.' });
    return this.clientsFor(first);
  }

  /** Creates or updates `<stack>-pipeline` through a change set (with the same review as a stage). */
  async deploy(stack: Stack, options: PipelineOptions = {}, ctx: AwsWorkContext = {}): Promise<DeployStackResult> {
    const clients = this.clients(stack);
    const region = options.region ?? (await clients.resolvedRegion());
    const template: Template = loadTemplate('pipeline', this.templatesDir);
    // The pipeline builds on the foundation (image repository, artifact bucket) and runs this Stagecraft.
    const foundation = await ensureFoundation(clients, stack, { log: ctx.log, onEvent: ctx.onStackEvent, signal: ctx.signal });
    if (!foundation.artifactBucket) throw new StagecraftError(`${stack.name}: the foundation does not say which artifact bucket it has.`, { hint: 'Deploy the foundation again: stagecraft aws foundation deploy.' });
    const bundle = options.bundle ?? (await uploadBundle(clients, foundation.artifactBucket, ctx.signal));
    ctx.log?.(`${stack.name}/pipeline: builds run the Stagecraft bundle s3://${bundle.bucket}/${bundle.key} (sha256 ${bundle.sha256})`);
    const rendered = renderPipeline(stack, { ...options, region, bundle }, template);
    return deployStack(clients, {
      stackName: rendered.stackName,
      label: `${stack.name}/pipeline`,
      templateBody: templateBody(rendered.template),
      parameters: toParameterList(rendered.parameters),
      tags: toTagList(rendered.tags),
      ...promptCallbacks(`${stack.name}/pipeline`, ctx.prompts, ctx),
      onEvent: ctx.onStackEvent,
      log: ctx.log,
      signal: ctx.signal,
    });
  }

  async info(stack: Stack, signal?: AbortSignal): Promise<PipelineInfo | undefined> {
    const stackName = pipelineStackName(stack.name);
    const s = await describeStack(this.clients(stack), stackName, signal, `${stack.name}/pipeline: read stack ${stackName}`);
    if (!s || !s.outputs.PipelineName) return undefined;
    return {
      stackName,
      pipelineName: s.outputs.PipelineName,
      bucket: s.outputs.ArtifactBucketName ?? '',
      sourceKey: s.outputs.SourceObjectKey ?? 'source/source.zip',
      usesConnection: Boolean(s.parameters.ConnectionArn),
      stack: s,
    };
  }

  private async requireInfo(stack: Stack, signal?: AbortSignal): Promise<PipelineInfo> {
    const info = await this.info(stack, signal);
    if (!info) {
      throw new StagecraftError(`${stack.name} has no release pipeline in AWS yet (no stack ${pipelineStackName(stack.name)}).`, {
        kind: 'input',
        hint: 'Create it first: `stagecraft aws pipeline deploy` (or Run Pipeline, which offers to).',
      });
    }
    return info;
  }

  /**
   * Starts a run of `commit`: for an S3-source pipeline the commit is zipped as committed
   * (git archive) and uploaded, and the run is pinned to that upload; for a connection, to the commit.
   */
  async run(stack: Stack, req: { commit: string; root: string }, ctx: AwsWorkContext = {}): Promise<{ pipelineName: string; executionId: string }> {
    const info = await this.requireInfo(stack, ctx.signal);
    const clients = this.clients(stack);
    const label = `${stack.name}/pipeline`;
    let sourceVersionId: string | undefined;
    if (!info.usesConnection) {
      const zip = await gitArchiveZip(req.root, req.commit, ctx.signal);
      ctx.log?.(`${label}: source snapshot of ${req.commit.slice(0, 8)}: ${(zip.length / 1024).toFixed(0)} KiB`);
      sourceVersionId = await uploadSourceSnapshot(clients, { bucket: info.bucket, key: info.sourceKey, zip, commit: req.commit, label, signal: ctx.signal });
    }
    const executionId = await startPipelineRun(clients, { pipelineName: info.pipelineName, commit: req.commit, sourceVersionId, label, signal: ctx.signal });
    ctx.log?.(`${label}: run ${executionId} started for ${req.commit.slice(0, 8)}`);
    return { pipelineName: info.pipelineName, executionId };
  }

  /** Follows a run to its end, line by line; resolves with its final status. */
  async watch(stack: Stack, executionId: string, ctx: AwsWorkContext & { onLine?: (line: RunLine) => void; onApproval?: (a: PendingPipelineApproval) => void; pollMs?: number } = {}): Promise<ExecutionStatus> {
    const info = await this.requireInfo(stack, ctx.signal);
    return watchPipelineRun(this.clients(stack), {
      pipelineName: info.pipelineName,
      executionId,
      label: `${stack.name}/pipeline`,
      onLine: line => {
        ctx.onLine?.(line);
        ctx.log?.(line.text);
      },
      onApproval: ctx.onApproval,
      signal: ctx.signal,
      pollMs: ctx.pollMs,
    });
  }

  /** Runs in progress now (one call; nothing is polled when there are none). */
  async active(stack: Stack, signal?: AbortSignal): Promise<string[]> {
    const info = await this.info(stack, signal);
    if (!info) return [];
    return (await activeRuns(this.clients(stack), info.pipelineName, signal)).map(r => r.pipelineExecutionId!).filter(Boolean);
  }

  async pending(stack: Stack, signal?: AbortSignal): Promise<PendingPipelineApproval[]> {
    return pendingApprovals(this.clients(stack), stack.name, signal);
  }

  async decide(stack: Stack, stage: string, decision: 'approve' | 'reject', opts: { comment?: string; by?: string } = {}, ctx: AwsWorkContext = {}): Promise<PendingPipelineApproval> {
    const decided = await decideApproval(this.clients(stack), {
      pipelineName: stack.name,
      stage,
      decision: decision === 'approve' ? 'Approved' : 'Rejected',
      comment: opts.comment,
      by: opts.by,
      label: `${stack.name}/${stage}`,
      signal: ctx.signal,
    });
    ctx.log?.(`${stack.name}/${stage}: promotion ${decision === 'approve' ? 'approved' : 'rejected'}${opts.comment ? ` ("${opts.comment}")` : ''}`);
    return decided;
  }
}
