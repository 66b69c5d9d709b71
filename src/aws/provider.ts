import { monitoringMinutes, rollbackAlarmArns as alarmArnsOf } from './cfn/rollbackTriggers';
import { StagecraftError } from '../core/errors';
import type { EnvValue, Stack, Stage } from '../core/model';
import { stageStackName } from '../core/naming';
import type { StepExecutor } from '../core/pipeline/types';
import type { ArtifactRef, DatabaseSecret, DeployPrompts, DeployReview, DriftContext, LogLine, LogOptions, Provider, WorkContext } from '../core/provider';
import type { ChangeReview } from './cfn/changeSet';
import { deployStack, type DeployStackResult } from './cfn/deployStack';
import { promptCallbacks } from './cfn/prompts';
import { previewStageChanges } from './changePreview';
import { destroyStack } from './cfn/destroyStack';
import type { StackEventLine } from './cfn/events';
import { describeStack, type StackInfo } from './cfn/stacks';
import { AwsClientPool, type AwsClientOptions, type AwsClients } from './clients';
import { getDatabaseSecret, rotateDatabasePassword } from './database';
import { AwsStepExecutor } from './executor';
import { AWS_PROVIDER } from './name';
import type { AwsWorkContext } from './workContext';

export type { AwsWorkContext } from './workContext';
import { AwsPipelines, type PendingPipelineApproval } from './pipeline';
import { digestOf, resolveImage } from './image';
import { StageStatusReader, type StatusRequest, type StatusResult } from './statusReader';
import type { AwsStageStatus } from './stageStatus';
import { describeStageSecrets, storeStageSecret } from './stageSecrets';
import { ensureFoundation } from './foundation';
import { renderStage, runningImage, toParameterList, toTagList } from './stageTemplate';
import { loadTemplate, templateBody, templatesDir, TEMPLATE_BODY_LIMIT } from './templates';

export interface AwsProviderOptions {
  /**
   * Defaults for every client, read at each use so a changed setting applies: the endpoint
   * override, the profile chosen with Select AWS Profile, fixed credentials in tests.
   */
  clientDefaults?: () => AwsClientOptions;
  /** Folder holding stage.yaml and pipeline.yaml (the packaged templates/ by default). */
  templatesDir?: string;
  /** How often a running deployment's events and status are read. */
  pollMs?: number;
  /** How long a stage's status may be reused (tree refreshes in quick succession). */
  statusTtlMs?: number;
  /** How long health and synthetic checks retry after a deploy (2 minutes by default). */
  checkRetryMs?: number;
}

interface PendingStatus {
  stack: Stack;
  stage: Stage;
  resolve: (r: StatusResult) => void;
  reject: (e: unknown) => void;
}

/** How long status requests are gathered into one batched read. */
const STATUS_BATCH_WINDOW_MS = 15;

export { monitoringMinutes } from './cfn/rollbackTriggers';

/**
 * The AWS provider: each stage is the CloudFormation stack `<stack>-<stage>` built from
 * templates/stage.yaml, running the stack's image (by digest) on ECS Fargate.
 */
export class AwsProvider implements Provider {
  readonly name = AWS_PROVIDER;
  readonly pool: AwsClientPool;
  /** The stack's release pipeline in CodePipeline: create/update, runs, approvals. */
  readonly pipelines: AwsPipelines;
  private readonly statusReader: StageStatusReader;
  private readonly approvalsCache = new Map<string, { at: number; value: Promise<PendingPipelineApproval[] | Error> }>();

  constructor(private readonly options: AwsProviderOptions = {}) {
    this.pool = new AwsClientPool(options.clientDefaults ?? (() => ({})));
    this.statusReader = new StageStatusReader(options.statusTtlMs ?? 5_000);
    this.pipelines = new AwsPipelines(stage => this.clientsFor(stage), options.templatesDir);
  }

  /** How often running AWS work is polled (deploy events, migration tasks); undefined: each caller's default. */
  get pollMs(): number | undefined {
    return this.options.pollMs;
  }

  get checkRetryMs(): number | undefined {
    return this.options.checkRetryMs;
  }

  /** The clients for a stage: its own profile and region when stagecraft.yaml sets them. */
  clientsFor(stage: Pick<Stage, 'profile' | 'region'>): AwsClients {
    return this.pool.get({ profile: stage.profile, region: stage.region });
  }

  /**
   * One stage's status. Calls made within a few milliseconds of each other (the tree asks for every
   * stage at once) are answered by one batched read, so 200 stages cost a paginated listing and a
   * few ECS calls, not 400 calls.
   */
  async status(stack: Stack, stage: Stage, ctx: WorkContext & { maxAgeMs?: number } = {}): Promise<AwsStageStatus> {
    const result = ctx.maxAgeMs !== undefined ? (await this.statusAll([{ stack, stage }], ctx))[0] : await this.batched(stack, stage, ctx.signal);
    if ('error' in result) throw result.error;
    return result.status;
  }

  private batch?: PendingStatus[];

  private batched(stack: Stack, stage: Stage, signal?: AbortSignal): Promise<StatusResult> {
    const answer = new Promise<StatusResult>((resolve, reject) => {
      if (!this.batch) {
        const batch: PendingStatus[] = [];
        this.batch = batch;
        setTimeout(() => {
          this.batch = undefined;
          this.statusAll(batch).then(
            results => results.forEach((r, i) => batch[i].resolve(r)),
            err => batch.forEach(b => b.reject(err)),
          );
        }, STATUS_BATCH_WINDOW_MS);
      }
      this.batch.push({ stack, stage, resolve, reject });
    });
    if (!signal) return answer;
    // One caller giving up does not cancel the batch the others wait for.
    return Promise.race([answer, new Promise<never>((_, reject) => (signal.aborted ? reject(StagecraftError.cancelled()) : signal.addEventListener('abort', () => reject(StagecraftError.cancelled()), { once: true })))]);
  }

  /**
   * Status of many stages at once (the tree): one paginated stack listing per account and region
   * when many stages are asked for, ECS services ten per call, calls in parallel, results reused
   * for a few seconds. A failure gives that stage an error, not the whole answer.
   */
  async statusAll(requests: Array<Omit<StatusRequest, 'clients'>>, ctx: WorkContext & { maxAgeMs?: number } = {}): Promise<StatusResult[]> {
    const results = await this.statusReader.read(
      requests.map(r => ({ ...r, clients: this.clientsFor(r.stage) })),
      ctx.signal,
      ctx.maxAgeMs,
    );
    return this.withApprovals(requests, results, ctx.signal, ctx.maxAgeMs);
  }

  /**
   * A stage whose promotion waits at its Approve action reads "awaiting approval": one
   * GetPipelineState per stack that has stages requiring approval, cached like the rest.
   */
  private async withApprovals(requests: Array<Omit<StatusRequest, 'clients'>>, results: StatusResult[], signal?: AbortSignal, maxAgeMs = this.options.statusTtlMs ?? 5_000): Promise<StatusResult[]> {
    const stacks = new Map<string, Stack>();
    for (const r of requests) if (r.stage.requireApproval) stacks.set(r.stack.name, r.stack);
    if (stacks.size === 0) return results;
    const waiting = new Map<string, PendingPipelineApproval[] | Error>();
    await Promise.all(
      [...stacks.values()].map(async stack => {
        const hit = this.approvalsCache.get(stack.name);
        let value = hit && Date.now() - hit.at <= maxAgeMs ? hit.value : undefined;
        if (!value) {
          value = this.pipelines.pending(stack, signal).catch((err: Error) => err);
          this.approvalsCache.set(stack.name, { at: Date.now(), value });
        }
        waiting.set(stack.name, await value);
      }),
    );
    return results.map((r, i) => {
      const { stack, stage } = requests[i];
      const found = waiting.get(stack.name);
      if (!stage.requireApproval || !found || !('status' in r)) return r;
      if (found instanceof Error) return { ...r, status: { ...r.status, detail: `${r.status.detail ?? ''} · approvals unknown: ${found.message}` } };
      const pending = found.find(a => a.stage === stage.name);
      return pending ? { ...r, status: { ...r.status, kind: 'awaiting-approval', detail: `promotion waits for approval${pending.since ? ` since ${pending.since.toISOString()}` : ''} · ${r.status.detail ?? ''}` } } : r;
    });
  }

  /** Forgets cached statuses (after a deploy, or when the user asks for a refresh). */
  invalidate(): void {
    this.statusReader.clear();
    this.approvalsCache.clear();
  }

  async deploy(stack: Stack, stage: Stage, artifact: ArtifactRef, ctx: AwsWorkContext = {}): Promise<AwsStageStatus> {
    const clients = this.clientsFor(stage);
    const imageUri = await resolveImage(clients, stack, artifact, ctx.signal);
    ctx.log?.(`${stack.name}/${stage.name}: image ${imageUri}`);
    // The image digest is the artifact's content hash; keep whatever id the caller knows it by otherwise.
    const artifactTag = imageUri === artifact.id ? digestOf(imageUri) : artifact.id;
    await this.deployImage(clients, stack, stage, { imageUri, commit: artifact.commit, artifact: artifactTag }, ctx);
    return this.status(stack, stage, { ...ctx, maxAgeMs: 0 });
  }

  /** Renders the stage template for this image and deploys it through a change set. */
  async deployImage(clients: AwsClients, stack: Stack, stage: Stage, image: { imageUri: string; commit: string; artifact?: string }, ctx: AwsWorkContext = {}): Promise<DeployStackResult> {
    const label = `${stack.name}/${stage.name}`;
    // Full ARNs and current versions of the stage's secrets: a changed value makes a new task definition.
    const secretNames = Object.values(stage.env).flatMap(v => (typeof v === 'string' ? [] : [v.secret]));
    const secrets = await describeStageSecrets(clients, stack.name, stage.name, secretNames, ctx.signal);
    // The shared foundation (VPC, cluster, load balancer): created with defaults before the stack's first stage.
    const foundation = await ensureFoundation(clients, stack, { log: ctx.log, onEvent: ctx.onStackEvent, signal: ctx.signal, pollMs: this.options.pollMs });
    const rendered = renderStage({ stack, stage, ...image, secrets, foundation }, loadTemplate('stage', this.options.templatesDir ?? templatesDir()));
    const body = templateBody(rendered.template);
    if (body.length > TEMPLATE_BODY_LIMIT) {
      throw new StagecraftError(`${label}: the rendered template is ${body.length} bytes; CloudFormation takes at most ${TEMPLATE_BODY_LIMIT} inline.`, { hint: 'Move long values out of `env` (into secrets).' });
    }
    const current = await describeStack(clients, rendered.stackName, ctx.signal, `${label}: read stack ${rendered.stackName}`);
    const rollbackAlarmArns = alarmArnsOf(current?.outputs);
    try {
      return await deployStack(clients, {
        stackName: rendered.stackName,
        label,
        templateBody: body,
        parameters: toParameterList(rendered.parameters),
        tags: toTagList(rendered.tags),
        protectOnCreate: stage.protected,
        rollbackAlarmArns,
        monitoringMinutes: monitoringMinutes(stage),
        ...promptCallbacks(label, ctx.prompts, ctx),
        onEvent: ctx.onStackEvent,
        log: ctx.log,
        signal: ctx.signal,
        pollMs: this.options.pollMs,
      });
    } finally {
      this.invalidate();
    }
  }

  /** The change set a deploy of `candidate` would apply, read and deleted (see changePreview.ts). */
  previewChanges(stack: Stack, stage: Stage, candidate: ArtifactRef, ctx: WorkContext = {}): Promise<DeployReview> {
    return previewStageChanges(this.clientsFor(stage), stack, stage, candidate, { templatesDir: this.options.templatesDir, signal: ctx.signal, pollMs: this.options.pollMs });
  }

  async decideApproval(stack: Stack, stage: Stage, decision: 'approve' | 'reject', input: { by: string; comment?: string }, ctx: AwsWorkContext = {}): Promise<boolean> {
    const waiting = (await this.pipelines.pending(stack, ctx.signal)).some(p => p.stage === stage.name);
    if (!waiting) return false;
    await this.pipelines.decide(stack, stage.name, decision, input, ctx);
    return true;
  }

  async destroy(stack: Stack, stage: Stage, ctx: AwsWorkContext = {}): Promise<void> {
    try {
      await destroyStack(this.clientsFor(stage), {
        stackName: stageStackName(stack.name, stage.name),
        label: `${stack.name}/${stage.name}`,
        protectedStage: stage.protected,
        force: ctx.force,
        onEvent: ctx.onStackEvent,
        log: ctx.log,
        signal: ctx.signal,
        pollMs: this.options.pollMs,
      });
    } finally {
      this.invalidate();
    }
  }

  /**
   * New env or origins reach a deployed stage by updating its stack with the image it runs now
   * (a new task definition revision). A stage not deployed yet gets them on its first deploy.
   */
  async applyConfiguration(stack: Stack, stage: Stage, change: { env?: Record<string, EnvValue>; origins?: string[] }, ctx: AwsWorkContext = {}): Promise<void> {
    const label = `${stack.name}/${stage.name}`;
    const clients = this.clientsFor(stage);
    const stackName = stageStackName(stack.name, stage.name);
    const current = await describeStack(clients, stackName, ctx.signal, `${label}: read stack ${stackName}`);
    if (!current || current.status === 'REVIEW_IN_PROGRESS') {
      ctx.log?.(`${label}: not deployed yet; the change applies when it is first deployed`);
      return;
    }
    const { imageUri, commit } = runningImage(current);
    if (!imageUri || !commit) throw new StagecraftError(`${label}: ${stackName} does not say which image it runs.`, { hint: 'Deploy the stage once (Deploy Stage); later changes then apply in place.' });
    const next: Stage = { ...stage, env: change.env ?? stage.env, origins: change.origins ?? stage.origins };
    await this.deployImage(clients, stack, next, { imageUri, commit, artifact: current.tags['stagecraft:artifact'] || undefined }, ctx);
  }

  async storeSecret(stack: Stack, stage: Stage, name: string, value: string, ctx: WorkContext = {}): Promise<void> {
    const arn = await storeStageSecret(this.clientsFor(stage), stack.name, stage.name, name, value, ctx.signal);
    ctx.log?.(`${stack.name}/${stage.name}: secret ${name} stored in Secrets Manager (${arn}); the stage reads it at its next deploy`);
  }

  /**
   * On AWS the database is part of the stage stack: a deployed stage without one is updated with
   * `database: postgres` (an RDS instance and its secret are added), then its secret is returned.
   */
  async ensureDatabase(stack: Stack, stage: Stage, ctx: AwsWorkContext = {}): Promise<DatabaseSecret> {
    const existing = await this.databaseSecret(stack, stage, ctx);
    if (existing) return existing;
    const label = `${stack.name}/${stage.name}`;
    const clients = this.clientsFor(stage);
    const stackName = stageStackName(stack.name, stage.name);
    const current = await describeStack(clients, stackName, ctx.signal, `${label}: read stack ${stackName}`);
    const { imageUri, commit } = current ? runningImage(current) : {};
    if (!current || !imageUri || !commit) {
      throw new StagecraftError(`${label} is not deployed yet; its database is created with the stage.`, { kind: 'input', hint: 'Set `database: postgres` on the stage and deploy it.' });
    }
    ctx.log?.(`${label}: adding a PostgreSQL database to ${stackName} (RDS takes several minutes)`);
    await this.deployImage(clients, stack, { ...stage, database: 'postgres' }, { imageUri, commit, artifact: current.tags['stagecraft:artifact'] || undefined }, ctx);
    const created = await this.databaseSecret(stack, stage, ctx);
    if (!created) throw new StagecraftError(`${label}: the database was deployed but its secret (output DatabaseSecretArn of ${stackName}) was not found.`, { hint: 'Look for the DatabaseSecret resource of the stack in the CloudFormation console.' });
    return created;
  }

  pipelineExecutor(stack: Stack, prompts?: DeployPrompts): StepExecutor {
    return new AwsStepExecutor(stack, this, prompts);
  }

  async databaseSecret(stack: Stack, stage: Stage, ctx: WorkContext = {}): Promise<DatabaseSecret | undefined> {
    const clients = this.clientsFor(stage);
    const stackName = stageStackName(stack.name, stage.name);
    const label = `${stack.name}/${stage.name}`;
    const current = await describeStack(clients, stackName, ctx.signal, `${label}: read stack ${stackName}`);
    return getDatabaseSecret(clients, label, current, ctx.signal);
  }

  async rotateDatabasePassword(stack: Stack, stage: Stage, ctx: WorkContext = {}): Promise<void> {
    const clients = this.clientsFor(stage);
    const stackName = stageStackName(stack.name, stage.name);
    const label = `${stack.name}/${stage.name}`;
    const current = await describeStack(clients, stackName, ctx.signal, `${label}: read stack ${stackName}`);
    if (!current) throw new StagecraftError(`${label} is not deployed.`, { kind: 'input', hint: 'Deploy the stage first.' });
    await rotateDatabasePassword(clients, { stackName, label, stack: current, log: ctx.log, signal: ctx.signal, pollMs: this.options.pollMs });
    this.invalidate();
  }

  async *logs(stack: Stack, stage: Stage, options: LogOptions, ctx: WorkContext = {}): AsyncIterable<LogLine> {
    const clients = this.clientsFor(stage);
    const stackName = stageStackName(stack.name, stage.name);
    const label = `${stack.name}/${stage.name}`;
    const current = await describeStack(clients, stackName, ctx.signal, `${label}: read stack ${stackName}`);
    if (!current) throw new StagecraftError(`${label} is not deployed, so it has no logs yet.`, { kind: 'input', hint: 'Deploy the stage first.' });
    const logGroup = options.kind === 'app' ? current.outputs.AppLogGroupName : current.outputs.AccessLogGroupName;
    if (!logGroup && options.kind === 'access') {
      throw new StagecraftError(`${label}: the access log is kept for HTTP API stages only; this stage is served by the stack's load balancer, whose access log is not in CloudWatch.`, {
        kind: 'input',
        hint: 'Turn on ALB access logging to S3 in the AWS console, or read the app log.',
      });
    }
    // The tail (Live Tail with a polling fallback) loads the Logs SDK: required on first use
    // (a require, not import(), so it also resolves when tests run the TypeScript directly).
    const { tailCloudWatchLogs, stageLogGroupName, StreamVersions, tagWithStreamVersions } = require('./logs/index') as typeof import('./logs/index');
    const events = tailCloudWatchLogs(clients, {
      logGroupName: logGroup ?? stageLogGroupName(stack.name, stage.name, options.kind),
      follow: options.follow,
      sinceMs: options.sinceMs,
      filter: options.filter,
      signal: ctx.signal,
      action: `Logs of ${label}`,
      onNotice: ctx.log,
    });
    // An app line's stream names its task, whose definition says which commit it runs.
    const cluster = current.outputs.ClusterName;
    // Deployment markers are core's (stageLogs), for every provider.
    yield* options.kind === 'app' && cluster ? tagWithStreamVersions(events, new StreamVersions(clients, cluster, ctx.signal, `Logs of ${label}`)) : events;
  }

  /** The running task definition and (unless `quick`) CloudFormation drift detection against the file (src/aws/drift.ts). */
  async runningDrift(stack: Stack, stage: Stage, ctx: DriftContext = {}) {
    const { awsRunningDrift } = require('./drift') as typeof import('./drift');
    return awsRunningDrift(this.clientsFor(stage), stack, stage, { signal: ctx.signal, pollMs: this.options.pollMs, quick: ctx.quick });
  }

  /** Closes every client (the CLI calls this before it exits). */
  async dispose(): Promise<void> {
    await this.pool.reset();
  }
}
