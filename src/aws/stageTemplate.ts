import { createHash } from 'node:crypto';
import { envNameProblem } from '../core/env';
import { StagecraftError } from '../core/errors';
import type { EnvValue, Stack, Stage } from '../core/model';
import { stageStackName } from '../core/naming';
import { originProblem } from '../core/origins';
import type { StackInfo } from './cfn/stacks';
import type { Foundation } from './foundationOutputs';
import { loadTemplate, type Template } from './templates';

/** Tags every stage stack carries (CloudFormation copies them onto the resources it creates). */
export const TAG = {
  stack: 'stagecraft:stack',
  stage: 'stagecraft:stage',
  commit: 'stagecraft:commit',
  artifact: 'stagecraft:artifact',
} as const;

/** Variables the template sets itself; a stage's `env` may not set them too. */
const TEMPLATE_ENV = ['CORS_ORIGINS'];
// DATABASE_URL is not among them: ECS cannot compose one value from a secret's keys (README: "Database variables").
const DATABASE_ENV = ['PG_HOST', 'PG_PORT', 'PG_DATABASE', 'PG_CREDENTIALS_SECRET', 'PG_USER', 'PG_USERNAME', 'PG_PASSWORD', 'PGSSLMODE'];

/**
 * Set to a digest of the version ids of the stage's secrets: a new secret value changes the task
 * definition, so ECS starts a new deployment whose tasks read it (ECS reads secrets at task start).
 */
export const SECRET_VERSIONS_ENV = 'STAGECRAFT_SECRET_VERSIONS';

/** An Application Load Balancer rule condition takes at most this many values. */
const ALB_CONDITION_VALUES = 5;

export interface StageDeployment {
  stack: Stack;
  stage: Stage;
  /** Image by digest: `<registry>/<repo>@sha256:<64 hex>`. */
  imageUri: string;
  commit: string;
  /** Content hash of the artifact, kept as a tag for "what is deployed". */
  artifact?: string;
  /** The stack's shared foundation in this account and region (network, cluster, load balancer). */
  foundation: Foundation;
  /**
   * The stage's stored secrets by their `{ secret: NAME }` name, as Secrets Manager describes them
   * (full ARN, current version id). Absent: referenced by partial ARN, without a version marker.
   */
  secrets?: Record<string, StoredSecret>;
}

export interface StoredSecret {
  arn: string;
  versionId?: string;
}

export interface RenderedStage {
  stackName: string;
  template: Template;
  parameters: Record<string, string>;
  tags: Record<string, string>;
}

/** The ECS cluster a stack's stages share (one cluster per stack; each stage is a service named after it). */
export function clusterName(stack: string): string {
  return stack;
}

/** Where a stage's `{ secret: NAME }` values live in Secrets Manager (the task execution role may read only these). */
export function stageSecretName(stack: string, stage: string, name: string): string {
  return `stagecraft/${stack}/${stage}/${name}`;
}

/**
 * What ECS `Secrets[].ValueFrom` takes for a stage secret: its ARN. Without the full ARN (with the
 * random 6-character suffix), the partial ARN built for the stack's partition, region and account.
 */
export function stageSecretValueFrom(stack: string, stage: string, name: string, stored?: StoredSecret): string | { 'Fn::Sub': string } {
  if (stored?.arn) return stored.arn;
  return { 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${stageSecretName(stack, stage, name)}` };
}

/** The stage template with the stage's env and origins filled in, its parameters and tags. */
export function renderStage(d: StageDeployment, template: Template = loadTemplate('stage')): RenderedStage {
  const { stack, stage } = d;
  const where = `${stack.name}/${stage.name}`;
  if (!/^\S+@sha256:[0-9a-f]{64}$/.test(d.imageUri)) {
    throw new StagecraftError(`${where}: the image "${d.imageUri}" is not addressed by digest (<repository>@sha256:<64 hex digits>).`, {
      kind: 'input',
      hint: 'Stages run the image built once for a commit, by digest; run the pipeline (or deploy from the IDE) so the image is built and pushed to ECR first.',
    });
  }
  if (!/^[0-9a-f]{7,40}$/.test(d.commit)) {
    throw new StagecraftError(`${where}: "${d.commit}" is not a git commit hash.`, { kind: 'input' });
  }
  for (const origin of stage.origins) {
    const problem = originProblem(origin);
    if (problem) throw new StagecraftError(`${where}: ${problem}.`, { kind: 'input', hint: 'Fix the origin in stagecraft.yaml (Edit Origins).' });
  }
  addEnvironment(template, d, where);
  // A protected stage's database refuses deletion, whatever happens to its stack.
  if (stage.protected && template.Resources.DatabaseInstance?.Properties) template.Resources.DatabaseInstance.Properties.DeletionProtection = true;
  const route = stageRoute(stack, stage.name, d.foundation);
  setRulePriorities(template, route, stage.origins, stageRulePriority(stack, stage.name));

  const parameters: Record<string, string> = {
    StackName: stack.name,
    StageName: stage.name,
    ClusterName: d.foundation.clusterName,
    CommitHash: d.commit,
    ImageUri: d.imageUri,
    ContainerPort: String(stack.service.port),
    HealthCheckPath: stack.service.healthCheck,
    DatabaseEngine: stage.database === 'postgres' ? 'postgres' : 'none',
    AllowedOrigins: stage.origins.join(','),
    VpcId: d.foundation.vpcId,
    SubnetIds: d.foundation.publicSubnetIds,
    DatabaseSubnetIds: d.foundation.privateSubnetIds,
    ListenerArn: d.foundation.listenerArn,
    LoadBalancerSecurityGroupId: d.foundation.loadBalancerSecurityGroupId,
    LoadBalancerFullName: d.foundation.loadBalancerFullName,
    RoutingHost: route.host ?? '',
    RoutingPath: route.path ?? '/',
    BaseUrl: route.url ?? '',
  };
  const tags: Record<string, string> = { [TAG.stack]: stack.name, [TAG.stage]: stage.name, [TAG.commit]: d.commit };
  if (d.artifact) tags[TAG.artifact] = d.artifact;
  return { stackName: stageStackName(stack.name, stage.name), template, parameters, tags };
}

function appContainer(template: Template): { Environment: unknown[]; Secrets: unknown[] } {
  const container = template.Resources.TaskDefinition?.Properties?.ContainerDefinitions?.find((c: { Name?: string }) => c.Name === 'app');
  if (!container) throw new StagecraftError('templates/stage.yaml has no TaskDefinition container named "app".', { kind: 'unavailable' });
  container.Environment ??= [];
  container.Secrets ??= [];
  return container;
}

function addEnvironment(template: Template, d: StageDeployment, where: string): void {
  const container = appContainer(template);
  const taken = new Set([...TEMPLATE_ENV, ...(d.stage.database === 'postgres' ? DATABASE_ENV : [])]);
  for (const [name, value] of Object.entries(d.stage.env) as Array<[string, EnvValue]>) {
    const problem = envNameProblem(name) ?? (taken.has(name) ? `"${name}" is set by Stagecraft for this stage and cannot be overridden` : undefined);
    if (problem) throw new StagecraftError(`${where}: ${problem}.`, { kind: 'input', hint: 'Rename or remove the variable in stagecraft.yaml (Edit Environment Variables).' });
    if (typeof value === 'string') container.Environment.push({ Name: name, Value: value });
    else {
      if (!d.secrets?.[value.secret] && /-[A-Za-z0-9]{6}$/.test(value.secret)) {
        throw new StagecraftError(`${where}: the secret name "${value.secret}" ends in a hyphen and six characters, which ECS would read as the random suffix of a secret ARN.`, {
          kind: 'input',
          hint: 'Store the secret first (env set NAME --secret) so its full ARN is used, or rename it.',
        });
      }
      container.Secrets.push({ Name: name, ValueFrom: stageSecretValueFrom(d.stack.name, d.stage.name, value.secret, d.secrets?.[value.secret]) });
    }
  }
  const versions = Object.entries(d.secrets ?? {})
    .filter(([, s]) => s.versionId)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([n, s]) => `${n}=${s.versionId}`);
  if (versions.length > 0) container.Environment.push({ Name: SECRET_VERSIONS_ENV, Value: createHash('sha256').update(versions.join(',')).digest('hex').slice(0, 16) });
}

/** How the shared load balancer reaches a stage: by host name when the foundation has a domain, else by path prefix. */
export interface StageRoute {
  host?: string;
  path?: string;
  /** Where the stage answers; undefined when the load balancer's DNS name is not known. */
  url?: string;
}

export function stageRoute(stack: Pick<Stack, 'name'>, stage: string, f: Pick<Foundation, 'domain' | 'scheme' | 'loadBalancerDnsName'>): StageRoute {
  if (f.domain) {
    const host = `${stage}.${f.domain}`.toLowerCase();
    return { host, url: `${f.scheme}://${host}/` };
  }
  const path = `/${stage}`;
  return { path, url: f.loadBalancerDnsName ? `${f.scheme}://${f.loadBalancerDnsName}${path}/` : undefined };
}

/** Rules a stage may use on the listener: allow rules, the reject rule, the forward rule. */
const RULES_PER_STAGE = 10;
const MAX_PRIORITY = 50_000;

/**
 * The first of a stage's ten listener rule priorities. Priorities are unique per listener and the
 * listener is shared by the stack's stages, so each stage owns a block chosen from its name (stable
 * when other stages come and go); a collision within the stack moves the later name (sorted) on.
 */
export function stageRulePriority(stack: Pick<Stack, 'stages'>, stage: string): number {
  const blocks = Math.floor(MAX_PRIORITY / RULES_PER_STAGE) - 1;
  const taken = new Set<number>();
  let mine = 0;
  for (const name of [...new Set([...stack.stages.map(s => s.name), stage])].sort()) {
    let block = Number.parseInt(createHash('sha256').update(name).digest('hex').slice(0, 8), 16) % blocks;
    while (taken.has(block)) block = (block + 1) % blocks;
    taken.add(block);
    if (name === stage) mine = block;
  }
  return (mine + 1) * RULES_PER_STAGE;
}

/**
 * Puts the stage's priorities on its rules and its origins on the allow rules. An ALB rule takes
 * at most five condition values in all; the route takes one (host) or two (path and path/*), the
 * Origin header the rest, so long lists get further allow rules. No origins: no allow rule.
 */
function setRulePriorities(template: Template, route: StageRoute, origins: string[], first: number): void {
  const base = template.Resources.OriginAllowRule;
  const reject = template.Resources.OriginRejectRule;
  const forward = template.Resources.ForwardRule;
  if (!base?.Properties || !reject?.Properties || !forward?.Properties) throw new StagecraftError('templates/stage.yaml lacks OriginAllowRule, OriginRejectRule or ForwardRule.', { kind: 'unavailable' });
  delete template.Resources.OriginAllowRule;
  const perRule = ALB_CONDITION_VALUES - (route.host ? 1 : 2);
  const chunks: string[][] = [];
  for (let i = 0; i < origins.length; i += perRule) chunks.push(origins.slice(i, i + perRule));
  if (chunks.length > RULES_PER_STAGE - 2) {
    throw new StagecraftError(`${origins.length} origins need ${chunks.length} load balancer rules; a stage has room for ${RULES_PER_STAGE - 2}.`, { kind: 'input', hint: `Allow at most ${perRule * (RULES_PER_STAGE - 2)} origins per stage.` });
  }
  chunks.forEach((chunk, i) => {
    const rule: typeof base = JSON.parse(JSON.stringify(base));
    rule.Properties!.Priority = first + i;
    rule.Properties!.Conditions[1].HttpHeaderConfig.Values = chunk;
    template.Resources[i === 0 ? 'OriginAllowRule' : `OriginAllowRule${i + 1}`] = rule;
  });
  reject.Properties.Priority = first + RULES_PER_STAGE - 2;
  forward.Properties.Priority = first + RULES_PER_STAGE - 1;
}

export function toParameterList(parameters: Record<string, string>): Array<{ ParameterKey: string; ParameterValue: string }> {
  return Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
}

export function toTagList(tags: Record<string, string>): Array<{ Key: string; Value: string }> {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** The image and commit a stage stack runs: its parameters are what the task definition was built from. */
export function runningImage(stack: StackInfo): { imageUri?: string; commit?: string } {
  return {
    imageUri: stack.parameters.ImageUri || stack.outputs.ImageUri || undefined,
    commit: stack.parameters.CommitHash || stack.tags['stagecraft:commit'] || undefined,
  };
}

