import type { ContainerDefinition, RegisterTaskDefinitionCommandInput, RunTaskCommandInput, Service, TaskDefinition } from '@aws-sdk/client-ecs';
import { StagecraftError } from '../../core/errors';

/** The container templates/stage.yaml names; other task definitions fall back to their first essential container. */
export const APP_CONTAINER = 'app';

/**
 * The task definition family of a stage's one-off migration tasks. Stack and stage names hold only
 * letters, digits and hyphens, so the underscore keeps this family apart from every stage's service
 * family (`<stack>-<stage>`): stage "dev" of "shop" gets `shop-dev_migrate`, which no stage
 * "dev-migrate" can ever own.
 */
export function migrationFamily(stageStackName: string): string {
  return `${stageStackName}_migrate`;
}

/** The container of a task definition that runs the app. */
export function appContainerOf(td: TaskDefinition, where: string): ContainerDefinition {
  const containers = td.containerDefinitions ?? [];
  const container = containers.find(c => c.name === APP_CONTAINER) ?? containers.find(c => c.essential !== false) ?? containers[0];
  if (!container?.name) {
    throw new StagecraftError(`${where}: the task definition ${td.taskDefinitionArn ?? td.family ?? ''} has no container to run the migration in.`, {
      hint: 'Deploy the stage again so its stack restores the task definition.',
    });
  }
  return container;
}

/**
 * Container settings that belong to serving, not to a command that runs and exits: no ports, no
 * health check (it would probe a server that never starts), no links or start order to containers
 * that the one-off task does not have.
 */
const SERVING_ONLY: ReadonlyArray<keyof ContainerDefinition> = ['portMappings', 'healthCheck', 'dependsOn', 'links', 'volumesFrom', 'command', 'entryPoint'];

export interface MigrationDefinitionOptions {
  family: string;
  /** The new version's image, by digest. */
  imageUri: string;
  container: ContainerDefinition;
  tags: Record<string, string>;
}

/**
 * A one-off task definition that runs like the service's app container: the same environment,
 * secrets, roles, log configuration, cpu/memory and network mode, with the NEW image. The entry
 * point is the shell: RunTask then passes the migration command line as the command, so the command
 * runs the same whatever ENTRYPOINT the image has (as the local provider runs it in a shell).
 */
export function migrationTaskDefinitionInput(source: TaskDefinition, o: MigrationDefinitionOptions): RegisterTaskDefinitionCommandInput {
  const container: ContainerDefinition = { ...o.container };
  for (const key of SERVING_ONLY) delete container[key];
  Object.assign(container, { image: o.imageUri, essential: true, entryPoint: ['sh', '-c'] });
  const input: RegisterTaskDefinitionCommandInput = {
    family: o.family,
    containerDefinitions: [container],
    tags: Object.entries(o.tags).map(([key, value]) => ({ key, value })),
  };
  // Copied only when set: RegisterTaskDefinition rejects some empty values (an empty volumes list is fine, an empty role is not).
  if (source.taskRoleArn) input.taskRoleArn = source.taskRoleArn;
  if (source.executionRoleArn) input.executionRoleArn = source.executionRoleArn;
  if (source.networkMode) input.networkMode = source.networkMode;
  if (source.requiresCompatibilities?.length) input.requiresCompatibilities = source.requiresCompatibilities;
  if (source.cpu) input.cpu = source.cpu;
  if (source.memory) input.memory = source.memory;
  if (source.runtimePlatform) input.runtimePlatform = source.runtimePlatform;
  if (source.ephemeralStorage) input.ephemeralStorage = source.ephemeralStorage;
  if (source.pidMode) input.pidMode = source.pidMode;
  if (source.ipcMode) input.ipcMode = source.ipcMode;
  // Only the volumes the app container mounts (the others belonged to containers left out).
  const mounted = new Set((container.mountPoints ?? []).map(m => m.sourceVolume));
  const volumes = (source.volumes ?? []).filter(v => v.name && mounted.has(v.name));
  if (volumes.length) input.volumes = volumes;
  return input;
}

export interface MigrationRunOptions {
  cluster: string;
  taskDefinitionArn: string;
  /** Network mode of the task definition: `awsvpc` needs the service's subnets. */
  networkMode?: string;
  containerName: string;
  command: string;
  tags: Record<string, string>;
}

/** Who started the task, as the ECS console and ListTasks show it. */
export const STARTED_BY = 'stagecraft';

/**
 * RunTask for the migration: placed the way the service places its tasks (its capacity provider
 * strategy or launch type, platform version, and awsvpc subnets, security groups and public IP
 * setting), with the command line as the app container's command (the entry point is `sh -c`).
 */
export function migrationRunInput(service: Service, o: MigrationRunOptions, where: string): RunTaskCommandInput {
  const input: RunTaskCommandInput = {
    cluster: o.cluster,
    taskDefinition: o.taskDefinitionArn,
    count: 1,
    startedBy: STARTED_BY,
    overrides: { containerOverrides: [{ name: o.containerName, command: [o.command] }] },
    tags: Object.entries(o.tags).map(([key, value]) => ({ key, value })),
  };
  if (service.capacityProviderStrategy?.length) input.capacityProviderStrategy = service.capacityProviderStrategy;
  else if (service.launchType) input.launchType = service.launchType;
  // Without either, the cluster's default capacity provider strategy applies, as it does for the service.
  if (service.platformVersion) input.platformVersion = service.platformVersion;
  const awsvpc = service.networkConfiguration?.awsvpcConfiguration;
  if (awsvpc?.subnets?.length) {
    input.networkConfiguration = { awsvpcConfiguration: { subnets: awsvpc.subnets, securityGroups: awsvpc.securityGroups, assignPublicIp: awsvpc.assignPublicIp } };
  } else if (o.networkMode === 'awsvpc') {
    throw new StagecraftError(`${where}: the ECS service ${service.serviceName ?? ''} has no awsvpc network configuration to run the migration task in.`, {
      hint: 'Deploy the stage again so its stack restores the service; templates/stage.yaml gives it subnets and a security group.',
    });
  }
  return input;
}

/** The task id: the last part of its ARN (`arn:aws:ecs:<region>:<account>:task/<cluster>/<id>`). */
export function taskIdOf(taskArn: string): string {
  return taskArn.slice(taskArn.lastIndexOf('/') + 1);
}

export interface TaskLogLocation {
  group: string;
  stream: string;
  region?: string;
}

/**
 * Where the awslogs driver writes a task's container output: `<prefix>/<container>/<task id>` in
 * the configured group. Undefined for other log drivers, or without a stream prefix (ECS then names
 * the stream by the container's Docker id, which the API does not tell).
 */
export function taskLogLocation(container: ContainerDefinition, taskArn: string): TaskLogLocation | undefined {
  const config = container.logConfiguration;
  const group = config?.options?.['awslogs-group'];
  const prefix = config?.options?.['awslogs-stream-prefix'];
  if (config?.logDriver !== 'awslogs' || !group || !prefix || !container.name) return undefined;
  return { group, stream: `${prefix}/${container.name}/${taskIdOf(taskArn)}`, region: config.options?.['awslogs-region'] };
}
