import type { Service, Task, TaskDefinition } from '@aws-sdk/client-ecs';
import { isCancelled, StagecraftError, throwIfAborted } from '../../core/errors';
import type { Stack, Stage } from '../../core/model';
import { stageStackName } from '../../core/naming';
import { redactor } from '../../core/redact';
import { describeStack, type StackInfo } from '../cfn/stacks';
import type { AwsClients } from '../clients';
import { awsErrorName } from '../errors';
import { conventionalService } from '../stageStatus';
import { TAG } from '../stageTemplate';
import { appContainerOf, migrationFamily, migrationRunInput, migrationTaskDefinitionInput, taskIdOf, taskLogLocation, type TaskLogLocation } from './migrationTask';
import { readTaskLogTail } from './taskLog';
import { waitForTaskStop } from './waitForTask';

export interface MigrationRequest {
  stack: Stack;
  stage: Stage;
  /** The new version's image by digest (`<repository>@sha256:<64 hex>`), the one the deploy step will roll out. */
  imageUri: string;
  /** The command line (stagecraft.yaml `service.migrate`); it runs as `sh -c <command>`. */
  command: string;
  /** Progress and, at the end, the task's output; every line goes through the redactor. */
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** First wait between DescribeTasks calls (grows to 5×). Default 3 s. */
  pollMs?: number;
  /** How long the task may take before Stagecraft stops it. Default 30 min. */
  timeoutMs?: number;
  /** Lines of the task's output copied into `log` at the end. Default 200 (the last ones). */
  maxLogLines?: number;
}

export interface MigrationResult {
  status: 'succeeded' | 'skipped';
  summary: string;
  /** The ECS task that ran the migration (absent when skipped). */
  taskArn?: string;
  /** Where the task's output is in CloudWatch Logs (absent when skipped or not awslogs). */
  logLocation?: TaskLogLocation;
}

/** Stack statuses in which the stage never came up: no service, no database to migrate yet. */
const NOT_CREATED = new Set(['REVIEW_IN_PROGRESS', 'CREATE_IN_PROGRESS', 'CREATE_FAILED', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_FAILED', 'ROLLBACK_COMPLETE', 'DELETE_COMPLETE']);

const PURPOSE_TAG = 'stagecraft:purpose';
const DIGEST_IMAGE = /^\S+@sha256:[0-9a-f]{64}$/;

/**
 * Runs a stage's migration command as a one-off ECS task before the new version is deployed: the
 * service's task definition is copied into a separate family (`<stack>-<stage>_migrate`, never the
 * service's) with the new image, run once where the service runs, waited for, judged by the app
 * container's exit code, and deregistered again. A stage whose stack (or database) does not exist
 * yet is `skipped`: the deploy that follows creates it. The task runs with the environment the
 * service runs now; what this deploy changes in stagecraft.yaml `env` reaches only the new version.
 */
export async function runMigrationTask(clients: AwsClients, req: MigrationRequest): Promise<MigrationResult> {
  const { stack, stage, signal } = req;
  const where = `${stack.name}/${stage.name}`;
  const stackName = stageStackName(stack.name, stage.name);
  const shown = `"${redactor.redact(req.command)}"`;
  const log = (line: string) => req.log?.(redactor.redact(`${where}: ${line}`));
  if (!req.command.trim()) throw new StagecraftError(`${where}: the migration command is empty.`, { kind: 'input', hint: 'Set service.migrate in stagecraft.yaml, or remove it.' });
  if (!DIGEST_IMAGE.test(req.imageUri)) {
    throw new StagecraftError(`${where}: the image "${req.imageUri}" is not addressed by digest (<repository>@sha256:<64 hex digits>).`, { kind: 'input' });
  }

  const info = await describeStack(clients, stackName, signal, `${where}: read stack ${stackName}`);
  if (!info || NOT_CREATED.has(info.status)) {
    const what = stage.database === 'postgres' ? 'the stage and its database' : 'the stage';
    return skipped(shown, `${stackName} does not exist yet${info ? ` (its stack is ${info.status})` : ''}, so this deploy creates ${what}`);
  }
  // The running version's environment has no database to migrate when this deploy is the one that adds it.
  if (stage.database === 'postgres' && info.parameters.DatabaseEngine && info.parameters.DatabaseEngine !== 'postgres') {
    return skipped(shown, `${stackName} has no database yet, so this deploy creates it`);
  }

  const { cluster, service: serviceName } = serviceOf(info, stack.name, stage.name);
  const service = await readService(clients, cluster, serviceName, where, stackName, signal);
  const source = await readTaskDefinition(clients, service.taskDefinition!, where, signal);
  const container = appContainerOf(source, where);
  const tags = { [TAG.stack]: stack.name, [TAG.stage]: stage.name, [PURPOSE_TAG]: 'migration' };

  const { RegisterTaskDefinitionCommand } = await import('@aws-sdk/client-ecs');
  const ecs = await clients.ecs();
  const family = migrationFamily(stackName);
  log(`registering the one-off task definition ${family} (the service's ${source.family ?? 'task definition'} with image ${req.imageUri})`);
  // Calls that create something run to completion even when cancelled, so that it can be cleaned up.
  const registered = await clients.call(`${where}: register the migration task definition ${family}`, undefined, o =>
    ecs.send(new RegisterTaskDefinitionCommand(migrationTaskDefinitionInput(source, { family, imageUri: req.imageUri, container, tags })), o),
  );
  const definitionArn = registered.taskDefinition?.taskDefinitionArn;
  if (!definitionArn) throw new StagecraftError(`${where}: ECS registered ${family} but returned no ARN.`);
  try {
    return await runAndJudge(clients, req, { where, shown, log, cluster, service, definitionArn, networkMode: source.networkMode, containerName: container.name!, container, tags });
  } finally {
    await deregister(clients, definitionArn, where, log);
  }
}

function skipped(shown: string, why: string): MigrationResult {
  return {
    status: 'skipped',
    summary: `migration ${shown} did NOT run: ${why}; run the migration from the app when it starts, or deploy again once this deploy is done (that deploy runs it before its new version starts)`,
  };
}

/** The stage's cluster and service from the stack's outputs, else where templates/stage.yaml puts them. */
function serviceOf(info: StackInfo, stack: string, stage: string): { cluster: string; service: string } {
  const fallback = conventionalService(stack, stage);
  return { cluster: info.outputs.ClusterName || fallback.cluster, service: info.outputs.ServiceName || fallback.service };
}

async function readService(clients: AwsClients, cluster: string, name: string, where: string, stackName: string, signal?: AbortSignal): Promise<Service> {
  const { DescribeServicesCommand } = await import('@aws-sdk/client-ecs');
  const ecs = await clients.ecs();
  const missing = (why: string) =>
    new StagecraftError(`${where}: the migration cannot run: ${why}, although the stack ${stackName} exists.`, {
      hint: `Look at ${stackName} in the CloudFormation console; deploying the stage again restores its service.`,
    });
  let out;
  try {
    out = await clients.call(`${where}: read the ECS service ${name} in ${cluster}`, signal, o => ecs.send(new DescribeServicesCommand({ cluster, services: [name] }), o));
  } catch (err) {
    if (awsErrorName((err as { cause?: unknown }).cause ?? err) === 'ClusterNotFoundException') throw missing(`the ECS cluster ${cluster} does not exist`);
    throw err;
  }
  const service = out.services?.find(s => s.serviceName === name || s.serviceArn === name);
  if (!service || service.status === 'INACTIVE' || !service.taskDefinition) throw missing(`the ECS service ${name} is not in the cluster ${cluster}`);
  return service;
}

async function readTaskDefinition(clients: AwsClients, arn: string, where: string, signal?: AbortSignal): Promise<TaskDefinition> {
  const { DescribeTaskDefinitionCommand } = await import('@aws-sdk/client-ecs');
  const ecs = await clients.ecs();
  const out = await clients.call(`${where}: read the service's task definition ${arn}`, signal, o => ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }), o));
  if (!out.taskDefinition) throw new StagecraftError(`${where}: ECS returned no task definition for ${arn}.`);
  return out.taskDefinition;
}

interface RunContext {
  where: string;
  shown: string;
  log: (line: string) => void;
  cluster: string;
  service: Service;
  definitionArn: string;
  networkMode?: string;
  containerName: string;
  container: Parameters<typeof taskLogLocation>[0];
  tags: Record<string, string>;
}

async function runAndJudge(clients: AwsClients, req: MigrationRequest, c: RunContext): Promise<MigrationResult> {
  const { RunTaskCommand } = await import('@aws-sdk/client-ecs');
  const ecs = await clients.ecs();
  const input = migrationRunInput(c.service, { cluster: c.cluster, taskDefinitionArn: c.definitionArn, networkMode: c.networkMode, containerName: c.containerName, command: req.command, tags: c.tags }, c.where);
  throwIfAborted(req.signal, `${c.where}: migration ${c.shown}`);
  const out = await clients.call(`${c.where}: start the migration task in ${c.cluster}`, undefined, o => ecs.send(new RunTaskCommand(input), o));
  const started = out.tasks?.[0];
  if (!started?.taskArn) {
    const reasons = (out.failures ?? []).map(f => [f.reason, f.detail].filter(Boolean).join(': ')).join('; ') || 'no task and no reason returned';
    throw new StagecraftError(`${c.where}: ECS did not start the migration task (${reasons}).`, {
      hint: 'Check the cluster has capacity for the service (Fargate quotas, capacity providers), then deploy again.',
    });
  }
  const taskArn = started.taskArn;
  const id = taskIdOf(taskArn);
  const logLocation = taskLogLocation(c.container, taskArn);
  const placement = input.capacityProviderStrategy?.map(s => s.capacityProvider).join('+') ?? input.launchType ?? 'cluster default capacity';
  c.log(`started ECS task ${id} in cluster ${c.cluster} (${placement}): sh -c ${c.shown}`);

  const pollMs = req.pollMs ?? 3_000;
  const timeoutMs = req.timeoutMs ?? 30 * 60_000;
  let waited;
  try {
    waited = await waitForTaskStop(clients, {
      cluster: c.cluster,
      taskArn,
      where: `${c.where}: migration task ${id}`,
      pollMs,
      timeoutMs,
      signal: req.signal,
      onStatus: status => c.log(`migration task ${id}: ${status}`),
    });
  } catch (err) {
    if (req.signal?.aborted || isCancelled(err)) {
      await stopTask(clients, c, taskArn, 'Stagecraft: the deploy was cancelled');
      throw StagecraftError.cancelled(`${c.where}: migration ${c.shown}`);
    }
    throw err;
  }
  const logText = logLocation ? `CloudWatch Logs group ${logLocation.group}, stream ${logLocation.stream}` : undefined;
  if (!waited.stopped) {
    await stopTask(clients, c, taskArn, `Stagecraft: the migration did not finish within ${minutes(timeoutMs)}`);
    await copyOutput(clients, req, c, logLocation, pollMs);
    throw new StagecraftError(`${c.where}: the migration ${c.shown} did not finish within ${minutes(timeoutMs)}; Stagecraft stopped ECS task ${id}.`, {
      hint: `${logText ? `Its output is in ${logText}. ` : ''}Find out why it hangs (a lock held by the running version?), then deploy again.`,
    });
  }

  await copyOutput(clients, req, c, logLocation, pollMs);
  return judge(waited.task, c, id, taskArn, logLocation, logText);
}

function judge(task: Task, c: RunContext, id: string, taskArn: string, logLocation: TaskLogLocation | undefined, logText: string | undefined): MigrationResult {
  const container = task.containers?.find(x => x.name === c.containerName) ?? task.containers?.[0];
  const exitCode = container?.exitCode;
  const stopped = [task.stopCode, task.stoppedReason, container?.reason].filter(Boolean).join(': ');
  const look = logText ? `Its output is in ${logText}.` : 'The task definition has no awslogs log configuration, so its output was not kept.';
  if (exitCode === 0) {
    return { status: 'succeeded', summary: `migration ${c.shown} exited 0 in ECS task ${id}`, taskArn, logLocation };
  }
  if (typeof exitCode !== 'number') {
    throw new StagecraftError(`${c.where}: the migration ${c.shown} did not run: ECS task ${id} stopped before its container exited (${stopped || 'no reason given'}).`, {
      hint: `${look} Check that the image exists in ECR, that the image has sh, and that the task execution role may pull it and read the stage's secrets; then deploy again.`,
    });
  }
  throw new StagecraftError(`${c.where}: the migration ${c.shown} exited ${exitCode} in ECS task ${id} (${stopped || 'stopped'}).`, {
    hint: `${look} Fix the migration, then deploy again.`,
  });
}

/** The task's last lines into the run's log (bounded); a failure to read them is reported, not raised. */
async function copyOutput(clients: AwsClients, req: MigrationRequest, c: RunContext, at: TaskLogLocation | undefined, pollMs: number): Promise<void> {
  if (!at || !req.log) return;
  const limit = req.maxLogLines ?? 200;
  const action = `${c.where}: read the migration output in ${at.group}`;
  try {
    let tail = await readTaskLogTail(clients, at, limit, action, req.signal);
    // The last batch of the awslogs driver can arrive just after the task stopped: one more look.
    if (tail.missing || tail.lines.length === 0) {
      await new Promise(r => setTimeout(r, Math.min(pollMs, 5_000)));
      tail = await readTaskLogTail(clients, at, limit, action, req.signal);
    }
    if (tail.missing) return c.log(`the migration wrote no output (no stream ${at.stream} in ${at.group})`);
    c.log(`migration output${tail.truncated ? ` (last ${tail.lines.length} lines; all of it is in ${at.group}, stream ${at.stream})` : ''}:`);
    for (const line of tail.lines) c.log(`  ${line}`);
  } catch (err) {
    c.log(`could not read the migration output from ${at.group} ${at.stream}: ${(err as Error).message}`);
  }
}

async function stopTask(clients: AwsClients, c: RunContext, taskArn: string, reason: string): Promise<void> {
  const { StopTaskCommand } = await import('@aws-sdk/client-ecs');
  const ecs = await clients.ecs();
  try {
    // Not under the caller's signal: after a cancel this call is the point.
    await clients.call(`${c.where}: stop the migration task`, undefined, o => ecs.send(new StopTaskCommand({ cluster: c.cluster, task: taskArn, reason }), o));
    c.log(`stopped migration task ${taskIdOf(taskArn)} (${reason})`);
  } catch (err) {
    c.log(`could not stop migration task ${taskArn}: ${(err as Error).message}; stop it in the ECS console`);
  }
}

/** Best effort: a one-off revision left ACTIVE is clutter, not harm, so a failure is only reported. */
async function deregister(clients: AwsClients, arn: string, where: string, log: (line: string) => void): Promise<void> {
  const { DeregisterTaskDefinitionCommand } = await import('@aws-sdk/client-ecs');
  const ecs = await clients.ecs();
  try {
    await clients.call(`${where}: deregister ${arn}`, undefined, o => ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }), o));
    log(`deregistered the one-off task definition ${arn.slice(arn.lastIndexOf('/') + 1)}`);
  } catch (err) {
    log(`could not deregister the one-off task definition ${arn}: ${(err as Error).message}`);
  }
}

function minutes(ms: number): string {
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`;
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}
