import { toStagecraftError } from '../core/errors';
import { runningDrift, type RunningDifference } from '../core/lint/runningDrift';
import type { Stack, Stage } from '../core/model';
import { stageStackName } from '../core/naming';
import type { AwsClients } from './clients';
import { describeStack } from './cfn/stacks';
import { TAG } from './stageTemplate';
import { sleep } from './wait';

export interface AwsDrift {
  commit?: string;
  differences: RunningDifference[];
  note?: string;
}

export interface DriftWork {
  signal?: AbortSignal;
  /** First pause between drift-detection status reads; doubles up to 10 s. */
  pollMs?: number;
  /** Skip CloudFormation's drift detection (minutes of polling): the tree's refresh. */
  quick?: boolean;
  /** Give up on CloudFormation's drift detection after this long (default 5 minutes). */
  timeoutMs?: number;
}

/** What the stage's ECS service runs: its task definition's variables (secrets by name only, values never read). */
export interface RunningTask {
  taskDefinition: string;
  env: Record<string, string>;
  secrets: string[];
}

/**
 * How a deployed AWS stage differs from stagecraft.yaml: the running task definition's
 * variables and secret names, the origins its listener rules let through (read from the load
 * balancer, so an origin edited in the console shows), whether it has a database; then CloudFormation drift detection for
 * resources changed outside CloudFormation (a listener rule or security group edited in the
 * console). Undefined when the stage has no stack.
 */
export async function awsRunningDrift(clients: AwsClients, stack: Pick<Stack, 'name'>, stage: Stage, work: DriftWork = {}): Promise<AwsDrift | undefined> {
  const name = stageStackName(stack.name, stage.name);
  const info = await describeStack(clients, name, work.signal);
  if (!info || info.status === 'REVIEW_IN_PROGRESS' || info.status.startsWith('DELETE')) return undefined;
  const notes: string[] = [];
  const differences: RunningDifference[] = [];
  const resources = await stackResources(clients, info.id, work.signal);
  const task = await runningTask(clients, resources, info.parameters.ClusterName, work.signal);
  if (task) {
    const env: Record<string, string> = { ...task.env };
    // A secret's value stays in Secrets Manager: its presence is compared, not its value.
    for (const s of task.secrets) env[s] = env[s] ?? '';
    const secretNames = new Set(task.secrets);
    // The origins the load balancer enforces are its listener rules' (edited in the console, they
    // differ from CORS_ORIGINS); CORS_ORIGINS only when the rules cannot be read.
    let origins: string[];
    try {
      origins = await listenerRuleOrigins(clients, resources, work.signal);
    } catch (err) {
      notes.push(`the listener rules could not be read (${toStagecraftError(err).message.split('\n')[0]}): origins compared from CORS_ORIGINS`);
      origins = (task.env.CORS_ORIGINS ?? '').split(',').map(o => o.trim()).filter(Boolean);
    }
    // A plain value in the file that runs as a secret (or the other way round) is said as such, not as "another value".
    const kindChanged = (key: string) => key in stage.env && (typeof stage.env[key] === 'string' ? secretNames.has(key) : key in task.env);
    differences.push(...runningDrift(stage, { env, origins, database: 'PG_HOST' in task.env }).filter(d => !(d.what === 'env' && kindChanged(d.key))));
    for (const key of Object.keys(stage.env).filter(kindChanged)) {
      differences.push({ what: 'env', key, detail: typeof stage.env[key] === 'string' ? `${key} is a plain value in the file but a secret in the running task` : `${key} is a secret in the file but a plain value in the running task` });
    }
  } else notes.push('the stage’s ECS service was not found: only CloudFormation drift was checked');
  if (!work.quick) {
    try {
      differences.push(...(await detectResourceDrift(clients, info.id, work)));
    } catch (err) {
      notes.push(`CloudFormation drift detection did not run: ${toStagecraftError(err).message.split('\n')[0]}`);
    }
  }
  return { commit: info.tags[TAG.commit] || undefined, differences, ...(notes.length ? { note: notes.join('; ') } : {}) };
}

/** The stage stack's resources by logical id → physical id. */
async function stackResources(clients: AwsClients, stackId: string, signal?: AbortSignal): Promise<Map<string, string>> {
  const cfn = await import('@aws-sdk/client-cloudformation');
  const cf = await clients.cloudFormation();
  const out = await clients.call(`Read the resources of ${stackId}`, signal, o => cf.send(new cfn.DescribeStackResourcesCommand({ StackName: stackId }), o));
  return new Map((out.StackResources ?? []).filter(r => r.LogicalResourceId && r.PhysicalResourceId).map(r => [r.LogicalResourceId!, r.PhysicalResourceId!]));
}

/**
 * The origins the stage's allow rules (OriginAllowRule, OriginAllowRule2, … on the foundation's
 * listener) let through: the values of their Origin http-header condition, as the load balancer
 * has them now (DescribeRules), not as the template rendered them.
 */
export async function listenerRuleOrigins(clients: AwsClients, resources: Map<string, string>, signal?: AbortSignal): Promise<string[]> {
  const ruleArns = [...resources].filter(([id]) => /^OriginAllowRule\d*$/.test(id)).map(([, arn]) => arn);
  if (!ruleArns.length) return [];
  const { DescribeRulesCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const elb = await clients.elbv2();
  const out = await clients.call('Read the stage’s listener rules', signal, o => elb.send(new DescribeRulesCommand({ RuleArns: ruleArns }), o));
  const origins: string[] = [];
  for (const rule of out.Rules ?? []) {
    for (const c of rule.Conditions ?? []) {
      if (c.Field !== 'http-header' || c.HttpHeaderConfig?.HttpHeaderName?.toLowerCase() !== 'origin') continue;
      for (const v of c.HttpHeaderConfig.Values ?? []) if (!origins.includes(v)) origins.push(v);
    }
  }
  return origins;
}

async function runningTask(clients: AwsClients, resources: Map<string, string>, cluster: string | undefined, signal?: AbortSignal): Promise<RunningTask | undefined> {
  const ecsSdk = await import('@aws-sdk/client-ecs');
  const service = resources.get('Service');
  if (!service) return undefined;
  const ecs = await clients.ecs();
  const described = await clients.call(`Read ECS service ${service}`, signal, o => ecs.send(new ecsSdk.DescribeServicesCommand({ cluster, services: [service] }), o));
  const taskDefinition = described.services?.[0]?.taskDefinition;
  if (!taskDefinition) return undefined;
  const td = await clients.call(`Read task definition ${taskDefinition}`, signal, o => ecs.send(new ecsSdk.DescribeTaskDefinitionCommand({ taskDefinition }), o));
  const container = td.taskDefinition?.containerDefinitions?.[0];
  const env: Record<string, string> = {};
  for (const e of container?.environment ?? []) if (e?.name) env[e.name] = e.value ?? '';
  // moto renders a Fn::If that chose AWS::NoValue as null in these lists.
  return { taskDefinition, env, secrets: (container?.secrets ?? []).map(s => s?.name ?? '').filter(Boolean) };
}

/**
 * DetectStackDrift, then DescribeStackDriftDetectionStatus with backoff until it completes, then
 * the resources CloudFormation found MODIFIED or DELETED, with the property paths that changed.
 */
export async function detectResourceDrift(clients: AwsClients, stackId: string, work: DriftWork = {}): Promise<RunningDifference[]> {
  const cfn = await import('@aws-sdk/client-cloudformation');
  const cf = await clients.cloudFormation();
  const started = await clients.call(`Detect drift of ${stackId}`, work.signal, o => cf.send(new cfn.DetectStackDriftCommand({ StackName: stackId }), o));
  const id = started.StackDriftDetectionId!;
  const deadline = Date.now() + (work.timeoutMs ?? 5 * 60_000);
  let delay = work.pollMs ?? 1_000;
  for (;;) {
    const s = await clients.call(`Read drift detection of ${stackId}`, work.signal, o => cf.send(new cfn.DescribeStackDriftDetectionStatusCommand({ StackDriftDetectionId: id }), o));
    if (s.DetectionStatus === 'DETECTION_COMPLETE' || s.DetectionStatus === 'DETECTION_FAILED') {
      // DETECTION_FAILED still lists the resources it could check; its reason says which it could not.
      const out: RunningDifference[] = [];
      let token: string | undefined;
      do {
        const page = await clients.call(`Read resource drifts of ${stackId}`, work.signal, o =>
          cf.send(new cfn.DescribeStackResourceDriftsCommand({ StackName: stackId, StackResourceDriftStatusFilters: ['MODIFIED', 'DELETED'], NextToken: token }), o),
        );
        for (const d of page.StackResourceDrifts ?? []) {
          const paths = (d.PropertyDifferences ?? []).map(p => `${p.PropertyPath} ${(p.DifferenceType ?? 'NOT_EQUAL').toLowerCase().replace('_', ' ')}`);
          const how = d.StackResourceDriftStatus === 'DELETED' ? 'was deleted outside CloudFormation' : `was modified outside CloudFormation${paths.length ? ` (${paths.join(', ')})` : ''}`;
          out.push({ what: 'resource', key: d.LogicalResourceId ?? '', detail: `${d.LogicalResourceId} (${d.ResourceType}) ${how}; deploy the stage to restore it` });
        }
        token = page.NextToken;
      } while (token);
      if (s.DetectionStatus === 'DETECTION_FAILED' && s.DetectionStatusReason) out.push({ what: 'resource', key: '', detail: `drift detection was incomplete: ${s.DetectionStatusReason}` });
      return out;
    }
    if (Date.now() > deadline) throw new Error(`drift detection ${id} still ${s.DetectionStatus} after ${Math.round((work.timeoutMs ?? 300_000) / 1000)} s`);
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())), work.signal);
    delay = Math.min(delay * 2, 10_000);
  }
}
