import { StagecraftError } from '../core/errors';
import type { StageStatus, StageStatusKind } from '../core/model';
import type { AwsClients } from './clients';
import { awsErrorName } from './errors';
import type { StackInfo } from './cfn/stacks';
import { clusterName, TAG } from './stageTemplate';
import { mapLimit } from './wait';

/** What the tree shows for an AWS stage: the common status plus the stack and ECS facts behind it. */
export interface AwsStageStatus extends StageStatus {
  stackName: string;
  stackStatus?: string;
  running?: number;
  desired?: number;
  /** ECS rollout of the primary deployment: IN_PROGRESS, COMPLETED, FAILED. */
  rollout?: string;
  terminationProtection?: boolean;
}

/** Where the stage template puts a stage's service (its outputs say so too; this saves waiting for them). */
export function conventionalService(stack: string, stage: string): { cluster: string; service: string } {
  return { cluster: clusterName(stack), service: stage };
}

export interface ServiceCounts {
  running: number;
  desired: number;
  pending: number;
  rollout?: string;
  rolloutReason?: string;
}

/** ECS DescribeServices takes up to 10 services per call. */
const DESCRIBE_SERVICES_MAX = 10;

/**
 * Running/desired counts for services, grouped by cluster, at most 10 per call, calls in parallel.
 * The key of the result is `cluster/service` as given; a missing cluster or service has no entry.
 */
export async function describeServices(clients: AwsClients, wanted: Array<{ cluster: string; service: string }>, signal?: AbortSignal): Promise<Map<string, ServiceCounts>> {
  const { DescribeServicesCommand } = await import('@aws-sdk/client-ecs');
  const ecs = await clients.ecs();
  const byCluster = new Map<string, string[]>();
  for (const w of wanted) byCluster.set(w.cluster, [...(byCluster.get(w.cluster) ?? []), w.service]);
  const batches: Array<{ cluster: string; services: string[] }> = [];
  for (const [cluster, services] of byCluster) {
    for (let i = 0; i < services.length; i += DESCRIBE_SERVICES_MAX) batches.push({ cluster, services: services.slice(i, i + DESCRIBE_SERVICES_MAX) });
  }
  const result = new Map<string, ServiceCounts>();
  await mapLimit(batches, 16, async b => {
    let out;
    try {
      out = await clients.call(`Read ECS services of ${b.cluster}`, signal, o => ecs.send(new DescribeServicesCommand({ cluster: b.cluster, services: b.services }), o));
    } catch (err) {
      // No cluster, no services: a stage that is not (or no longer) deployed.
      if (awsErrorName((err as { cause?: unknown }).cause ?? err) === 'ClusterNotFoundException') return;
      throw err;
    }
    for (const s of out.services ?? []) {
      const primary = s.deployments?.find(d => d.status === 'PRIMARY');
      const counts: ServiceCounts = {
        running: s.runningCount ?? 0,
        desired: s.desiredCount ?? 0,
        pending: s.pendingCount ?? 0,
        rollout: primary?.rolloutState,
        rolloutReason: primary?.rolloutStateReason,
      };
      // Services come back by name or ARN; key them the way they were asked for.
      const asked = b.services.find(name => name === s.serviceName || name === s.serviceArn) ?? s.serviceName ?? '';
      result.set(`${b.cluster}/${asked}`, counts);
    }
  });
  return result;
}

/** The stage's status from its stack (status, tags, outputs) and its ECS service counts. */
export function stageStatusOf(stackName: string, stack: StackInfo | undefined, service: ServiceCounts | undefined): AwsStageStatus {
  if (!stack || stack.status === 'REVIEW_IN_PROGRESS' || stack.status === 'DELETE_COMPLETE') {
    return { kind: 'not-deployed', stackName, stackStatus: stack?.status, detail: stack ? `${stackName}: ${stack.status}` : `no stack ${stackName}` };
  }
  const base: AwsStageStatus = {
    kind: 'unknown',
    stackName,
    stackStatus: stack.status,
    commit: stack.tags[TAG.commit] || stack.outputs.CommitHash || undefined,
    artifact: stack.tags[TAG.artifact] || undefined,
    url: stack.outputs.Url || undefined,
    updatedAt: stack.updatedAt?.toISOString(),
    running: service?.running,
    desired: service?.desired,
    rollout: service?.rollout,
    terminationProtection: stack.terminationProtection,
  };
  const tasks = service ? `${service.running}/${service.desired} tasks` : undefined;
  const [kind, detail] = classify(stack, service);
  return { ...base, kind, detail: [stack.status, tasks, detail].filter(Boolean).join(' · ') };
}

function classify(stack: StackInfo, service: ServiceCounts | undefined): [StageStatusKind, string | undefined] {
  const s = stack.status;
  if (s.endsWith('_IN_PROGRESS')) return ['deploying', undefined];
  if (s === 'UPDATE_ROLLBACK_COMPLETE') return ['failed', 'last deployment rolled back; the previous version serves'];
  if (s.endsWith('_FAILED') || s === 'ROLLBACK_COMPLETE') return ['failed', stack.statusReason];
  if (!service) return ['unknown', 'no ECS service found'];
  if (service.desired === 0) return ['stopped', undefined];
  if (service.rollout === 'IN_PROGRESS') return ['deploying', 'ECS rollout in progress'];
  if (service.rollout === 'FAILED') return ['failed', service.rolloutReason ?? 'ECS rollout failed'];
  if (service.running >= service.desired) return ['healthy', undefined];
  return ['failed', service.pending > 0 ? `${service.pending} pending` : 'tasks are not running'];
}

/**
 * Makes sure the stack's shared ECS cluster exists before a stage stack refers to it. ECS
 * CreateCluster is idempotent: an existing cluster is returned unchanged.
 */
export async function ensureCluster(clients: AwsClients, cluster: string, stack: string, label: string, signal?: AbortSignal): Promise<void> {
  const { CreateClusterCommand } = await import('@aws-sdk/client-ecs');
  const ecs = await clients.ecs();
  const out = await clients.call(`${label}: make sure the ECS cluster ${cluster} exists`, signal, o =>
    ecs.send(new CreateClusterCommand({ clusterName: cluster, tags: [{ key: TAG.stack, value: stack }] }), o),
  );
  const status = out.cluster?.status;
  if (status && status !== 'ACTIVE' && status !== 'PROVISIONING') {
    throw new StagecraftError(`${label}: the ECS cluster ${cluster} is ${status}.`, { hint: 'Wait a minute for ECS to finish with it, then deploy again.' });
  }
}
