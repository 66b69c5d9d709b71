import { StagecraftError } from '../core/errors';
import type { Stack } from '../core/model';
import type { AwsClients } from './clients';
import { deployStack, type DeployStackResult } from './cfn/deployStack';
import { destroyStack } from './cfn/destroyStack';
import type { StackEventLine } from './cfn/events';
import { describeStack, type StackInfo } from './cfn/stacks';
import { awsErrorName } from './errors';
import { imageRepositoryName } from './image';
import { TAG, toParameterList, toTagList } from './stageTemplate';
import type { Foundation } from './foundationOutputs';

export type { Foundation } from './foundationOutputs';
import { loadTemplate, templateBody, type Template } from './templates';

/**
 * The foundation: what every stage of a stack shares in one account and region (network, ECS
 * cluster, one load balancer, image repository, artifact bucket), the stack `<stack>-foundation`.
 * Stage stacks read its outputs; it is created before the first stage and destroyed last.
 */
export const FOUNDATION_SUFFIX = 'foundation';

export function foundationStackName(stack: string): string {
  return `${stack}-${FOUNDATION_SUFFIX}`;
}

/** What the person deploying may choose; everything else follows from the stack. */
export interface FoundationOptions {
  /** ACM certificate ARN (same region) for HTTPS; absent: HTTP only. */
  certificateArn?: string;
  /** Stages answer at <stage>.<domain> (host routing); absent: at /<stage>/ (path routing). */
  domain?: string;
  /** An existing VPC and its subnets instead of a new VPC. */
  vpcId?: string;
  publicSubnetIds?: string[];
  privateSubnetIds?: string[];
  /** The image repository exists already (an earlier pipeline stack made it): use it, do not create it. */
  existingRepository?: boolean;
}

export interface RenderedFoundation {
  stackName: string;
  template: Template;
  parameters: Record<string, string>;
  tags: Record<string, string>;
}

const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/;

export function renderFoundation(stack: Pick<Stack, 'name' | 'stages'>, o: FoundationOptions = {}, template: Template = loadTemplate('foundation')): RenderedFoundation {
  if (stack.stages.some(s => s.name === FOUNDATION_SUFFIX)) {
    throw new StagecraftError(`Stack "${stack.name}" has a stage named "${FOUNDATION_SUFFIX}", whose stack name the shared foundation uses.`, { kind: 'input', hint: 'Rename that stage.' });
  }
  if (o.certificateArn && !CERTIFICATE_ARN.test(o.certificateArn)) {
    throw new StagecraftError(`--certificate "${o.certificateArn}" is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>).`, { kind: 'input' });
  }
  if (o.vpcId && ((o.publicSubnetIds?.length ?? 0) < 2 || (o.privateSubnetIds?.length ?? 0) < 2)) {
    throw new StagecraftError(`An imported VPC (${o.vpcId}) needs two or more public and two or more private subnets.`, { kind: 'input', hint: 'Give --public-subnets subnet-a,subnet-b and --private-subnets subnet-c,subnet-d.' });
  }
  const parameters: Record<string, string> = {
    StackName: stack.name,
    ImageRepositoryName: imageRepositoryName(stack),
    CreateImageRepository: o.existingRepository ? 'false' : 'true',
    CertificateArn: o.certificateArn ?? '',
    DomainName: o.domain ?? '',
    VpcId: o.vpcId ?? '',
    PublicSubnetIds: (o.publicSubnetIds ?? []).join(','),
    PrivateSubnetIds: (o.privateSubnetIds ?? []).join(','),
  };
  return { stackName: foundationStackName(stack.name), template, parameters, tags: { [TAG.stack]: stack.name } };
}


/** Logical ids of the foundation's resources whose physical id is the output of the same meaning. */
const OUTPUT_RESOURCES: Record<string, string[]> = {
  VpcId: ['Vpc'],
  PublicSubnetIds: ['PublicSubnetA', 'PublicSubnetB'],
  PrivateSubnetIds: ['PrivateSubnetA', 'PrivateSubnetB'],
  ClusterName: ['Cluster'],
  LoadBalancerSecurityGroupId: ['LoadBalancerSecurityGroup'],
  ListenerArn: ['HttpsListener', 'HttpListener'],
  LoadBalancerArn: ['LoadBalancer'],
  ArtifactBucketName: ['ArtifactBucket'],
};

/**
 * The outputs, completed from the stack's resources where an output is missing (a stack whose
 * outputs CloudFormation has not reported — moto reports none after a change set — or an older
 * foundation): a resource's physical id is what its Ref output holds, and a load balancer's full
 * name is the tail of its ARN. An imported VPC's values come from the parameters.
 */
export async function readFoundationOutputs(clients: AwsClients, info: StackInfo, signal?: AbortSignal): Promise<StackInfo> {
  const need = ['VpcId', 'PublicSubnetIds', 'PrivateSubnetIds', 'ClusterName', 'ListenerArn', 'LoadBalancerSecurityGroupId', 'LoadBalancerFullName'];
  if (need.every(k => info.outputs[k])) return info;
  const { DescribeStackResourcesCommand } = await import('@aws-sdk/client-cloudformation');
  const cf = await clients.cloudFormation();
  const out = await clients.call(`Read the resources of ${info.name}`, signal, o => cf.send(new DescribeStackResourcesCommand({ StackName: info.id }), o));
  const physical = new Map((out.StackResources ?? []).filter(r => r.PhysicalResourceId).map(r => [r.LogicalResourceId!, r.PhysicalResourceId!]));
  const outputs = { ...info.outputs };
  for (const [key, ids] of Object.entries(OUTPUT_RESOURCES)) {
    if (outputs[key]) continue;
    const found = key === 'ListenerArn' ? ids.map(i => physical.get(i)).find(Boolean) : ids.map(i => physical.get(i)).every(Boolean) ? ids.map(i => physical.get(i)).join(',') : undefined;
    if (found) outputs[key] = found;
  }
  if (info.parameters.VpcId) {
    outputs.VpcId ||= info.parameters.VpcId;
    outputs.PublicSubnetIds ||= info.parameters.PublicSubnetIds;
    outputs.PrivateSubnetIds ||= info.parameters.PrivateSubnetIds;
  }
  if (!outputs.LoadBalancerFullName && outputs.LoadBalancerArn) outputs.LoadBalancerFullName = outputs.LoadBalancerArn.split(':loadbalancer/')[1] ?? '';
  if (!outputs.Scheme) outputs.Scheme = info.parameters.CertificateArn ? 'https' : 'http';
  return { ...info, outputs };
}

export function toFoundation(info: StackInfo): Foundation {
  const o = info.outputs;
  const need = ['VpcId', 'PublicSubnetIds', 'PrivateSubnetIds', 'ClusterName', 'ListenerArn', 'LoadBalancerSecurityGroupId', 'LoadBalancerFullName'];
  const missing = need.filter(k => !o[k]);
  if (missing.length > 0) {
    throw new StagecraftError(`${info.name} (${info.status}) lacks the outputs ${missing.join(', ')}.`, { hint: `Deploy the foundation again: stagecraft aws foundation deploy.` });
  }
  return {
    stackName: info.name,
    vpcId: o.VpcId,
    publicSubnetIds: o.PublicSubnetIds,
    privateSubnetIds: o.PrivateSubnetIds,
    clusterName: o.ClusterName,
    listenerArn: o.ListenerArn,
    loadBalancerSecurityGroupId: o.LoadBalancerSecurityGroupId,
    loadBalancerFullName: o.LoadBalancerFullName,
    loadBalancerDnsName: o.LoadBalancerDnsName ?? '',
    scheme: o.Scheme === 'https' ? 'https' : 'http',
    domain: info.parameters.DomainName || undefined,
    artifactBucket: o.ArtifactBucketName || undefined,
  };
}

export interface FoundationWork {
  log?: (line: string) => void;
  onEvent?: (event: StackEventLine) => void;
  signal?: AbortSignal;
  pollMs?: number;
}

/** Creates or updates the foundation (a change set like any stack). */
export async function deployFoundation(clients: AwsClients, stack: Pick<Stack, 'name' | 'stages'>, options: FoundationOptions, work: FoundationWork = {}): Promise<DeployStackResult> {
  const current = await describeStack(clients, foundationStackName(stack.name), work.signal);
  // A repository the foundation made stays its own; one that exists without it is used as is.
  const owns = current?.parameters.CreateImageRepository === 'true' && !current.status.startsWith('DELETE') && current.status !== 'REVIEW_IN_PROGRESS';
  const existingRepository = options.existingRepository ?? (!owns && (await repositoryExists(clients, imageRepositoryName(stack), work.signal)));
  if (existingRepository && !owns) work.log?.(`${stack.name}: using the existing ECR repository ${imageRepositoryName(stack)} (its lifecycle policy is yours to manage)`);
  // An option not given keeps what the foundation has (a redeploy without --domain keeps the domain and its HTTPS); an empty one clears it.
  const kept = current && !current.status.startsWith('DELETE') && current.status !== 'REVIEW_IN_PROGRESS' ? current.parameters : {};
  const list = (v?: string) => (v ? v.split(',').filter(Boolean) : undefined);
  const r = renderFoundation(stack, {
    ...options,
    certificateArn: options.certificateArn ?? (kept.CertificateArn || undefined),
    domain: options.domain ?? (kept.DomainName || undefined),
    vpcId: options.vpcId ?? (kept.VpcId || undefined),
    // Subnets belong to an imported VPC only; kept with it.
    publicSubnetIds: options.publicSubnetIds ?? (options.vpcId === undefined && kept.VpcId ? list(kept.PublicSubnetIds) : undefined),
    privateSubnetIds: options.privateSubnetIds ?? (options.vpcId === undefined && kept.VpcId ? list(kept.PrivateSubnetIds) : undefined),
    existingRepository,
  });
  return deployStack(clients, {
    stackName: r.stackName,
    label: `${stack.name}/${FOUNDATION_SUFFIX}`,
    templateBody: templateBody(r.template),
    parameters: toParameterList(r.parameters),
    tags: toTagList(r.tags),
    // Twenty stages depend on it: it is protected from the start.
    protectOnCreate: true,
    log: work.log,
    onEvent: work.onEvent,
    signal: work.signal,
    pollMs: work.pollMs,
  });
}

async function repositoryExists(clients: AwsClients, name: string, signal?: AbortSignal): Promise<boolean> {
  const { DescribeRepositoriesCommand } = await import('@aws-sdk/client-ecr');
  const ecr = await clients.ecr();
  try {
    await clients.call(`Read ECR repository ${name}`, signal, o => ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }), o));
    return true;
  } catch (err) {
    if (awsErrorName((err as { cause?: unknown }).cause ?? err) === 'RepositoryNotFoundException') return false;
    throw err;
  }
}

/**
 * The foundation a stage deploy builds on: the existing one, or a new one with the default options
 * (new VPC, HTTP only) when the stack has none yet, said in the log.
 */
export async function ensureFoundation(clients: AwsClients, stack: Pick<Stack, 'name' | 'stages'>, work: FoundationWork = {}): Promise<Foundation> {
  const name = foundationStackName(stack.name);
  const existing = await describeStack(clients, name, work.signal, `${stack.name}: read stack ${name}`);
  const usable = existing && ((existing.status.endsWith('_COMPLETE') && !existing.status.includes('ROLLBACK') && !existing.status.startsWith('DELETE')) || existing.status === 'UPDATE_ROLLBACK_COMPLETE');
  if (existing && usable) return toFoundation(await readFoundationOutputs(clients, existing, work.signal));
  if (existing && existing.status !== 'REVIEW_IN_PROGRESS' && existing.status !== 'DELETE_COMPLETE') {
    throw new StagecraftError(`${stack.name}: the foundation ${name} is ${existing.status}; stages cannot be deployed on it.`, { kind: 'input', hint: 'Wait for it to finish, or fix it with `stagecraft aws foundation deploy` (or delete it in the CloudFormation console).' });
  }
  work.log?.(`${stack.name}: no foundation yet; creating ${name} (VPC, ECS cluster, load balancer, image repository; HTTP only — run \`stagecraft aws foundation deploy --certificate ARN\` for HTTPS)`);
  const result = await deployFoundation(clients, stack, {}, work);
  return toFoundation(await readFoundationOutputs(clients, result.stack, work.signal));
}

/** The existing foundation; an error saying how to create it when there is none. */
export async function readFoundation(clients: AwsClients, stack: Pick<Stack, 'name'>, signal?: AbortSignal): Promise<Foundation> {
  const name = foundationStackName(stack.name);
  const info = await describeStack(clients, name, signal, `${stack.name}: read stack ${name}`);
  if (!info || info.status === 'REVIEW_IN_PROGRESS' || info.status.startsWith('DELETE')) {
    throw new StagecraftError(`${stack.name} has no foundation (${name}) in this account and region.`, { kind: 'input', hint: 'Create it: stagecraft aws foundation deploy [--certificate ARN --domain DOMAIN].' });
  }
  return toFoundation(await readFoundationOutputs(clients, info, signal));
}

/** Destroys the foundation; refused while any stage stack of the stack still exists. */
export async function destroyFoundation(clients: AwsClients, stack: Pick<Stack, 'name' | 'stages'>, work: FoundationWork & { force?: boolean }): Promise<'deleted' | 'absent'> {
  const alive: string[] = [];
  for (const s of stack.stages.filter(s => s.provider === 'aws')) {
    const info = await describeStack(clients, `${stack.name}-${s.name}`, work.signal);
    if (info && info.status !== 'DELETE_COMPLETE') alive.push(s.name);
  }
  if (alive.length > 0) {
    throw new StagecraftError(`${stack.name}: the foundation still serves ${alive.join(', ')}.`, { kind: 'input', hint: `Destroy those stages first (stagecraft destroy STAGE), then the foundation.` });
  }
  return destroyStack(clients, {
    stackName: foundationStackName(stack.name),
    label: `${stack.name}/${FOUNDATION_SUFFIX}`,
    // Created with termination protection; destroying it is the explicit confirmation.
    protectedStage: false,
    force: true,
    log: work.log,
    onEvent: work.onEvent,
    signal: work.signal,
    pollMs: work.pollMs,
  });
}
