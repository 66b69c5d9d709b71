import type { Template, TemplateResource } from './templates';

/**
 * Rules a real AWS account enforces and moto does not, checked on rendered templates. Each rule
 * cites where it comes from; a problem names the rule, the resource and what to fix.
 *
 * - ECS `Secrets[].ValueFrom` for Secrets Manager is the secret's ARN (full, or partial without
 *   the 6-character suffix, optionally `:json-key:version-stage:version-id`); a bare name is read
 *   as an SSM parameter and the task fails to start (ECS Developer Guide, "Pass Secrets Manager
 *   secrets"; CloudFormation AWS::ECS::TaskDefinition Secret).
 * - Default quota: 5 VPCs and 5 internet gateways per region, so a stage stack creates none.
 * - RDS for PostgreSQL 15+ sets rds.force_ssl=1: clients need PGSSLMODE=require (or verify-*).
 * - An ALB rule priority is unique per listener (1-50000).
 * - A listener on 443 needs Protocol HTTPS and a certificate.
 * - CodePipeline's CloudFormation deploy action takes no rollback configuration and cannot turn
 *   termination protection on (its configuration properties: ActionMode, StackName, TemplatePath,
 *   TemplateConfiguration, ParameterOverrides, RoleArn, Capabilities…), so a protected stage's
 *   pipeline deploy runs `stagecraft aws deploy-rendered` in CodeBuild, which sets both.
 */
export interface ContractProblem {
  rule: ContractRule;
  /** Logical id of the resource (or parameter) at fault. */
  where: string;
  message: string;
}

export type ContractRule =
  | 'secret-value-from-arn'
  | 'no-vpc-in-stage'
  | 'rds-storage-encrypted'
  | 'rds-deletion-protection'
  | 'rds-tls'
  | 'rds-engine-major'
  | 'https-listener'
  | 'http-redirects'
  | 'iam-no-wildcard'
  | 'no-registry-cli'
  | 'ecr-lifecycle'
  | 'bucket-tls-only'
  | 'log-retention'
  | 'pipeline-protected-deploy';

export interface StageContract {
  /** The stage is protected (prod): its database must refuse deletion. */
  protected: boolean;
}

export interface PipelineContract {
  /** Stages whose deploys need termination protection and rollback triggers (protected: prod). */
  protectedStages: string[];
}

export interface FoundationContract {
  /** An ACM certificate ARN was given: the load balancer must serve HTTPS on 443. */
  certificate: boolean;
}

type Problems = ContractProblem[];

/**
 * The template as it deploys with these parameter values: conditions evaluated (Fn::Equals,
 * Fn::Not, Fn::And, Fn::Or over Ref and Condition), resources whose condition is false dropped,
 * Fn::If replaced by its chosen branch. A condition it cannot evaluate keeps both branches, so a
 * rule then looks at everything that may deploy.
 */
export function effectiveTemplate(t: Template, parameters: Record<string, string> = {}): Template {
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t.Parameters ?? {})) params[k] = (v as { Default?: unknown }).Default;
  Object.assign(params, parameters);
  const memo = new Map<string, boolean | undefined>();
  const value = (x: unknown): unknown => {
    if (x && typeof x === 'object' && 'Ref' in x) {
      const ref = String((x as { Ref: unknown }).Ref);
      return ref in params && params[ref] !== undefined ? String(params[ref]) : undefined;
    }
    return typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' ? String(x) : undefined;
  };
  const cond = (name: string): boolean | undefined => {
    if (!memo.has(name)) {
      memo.set(name, undefined);
      memo.set(name, evaluate((t.Conditions ?? {})[name]));
    }
    return memo.get(name);
  };
  const evaluate = (c: unknown): boolean | undefined => {
    if (!c || typeof c !== 'object') return undefined;
    const [op, args] = Object.entries(c)[0] ?? [];
    const list = Array.isArray(args) ? args : [];
    if (op === 'Condition') return cond(String(args));
    if (op === 'Fn::Equals') {
      const [a, b] = list.map(value);
      return a === undefined || b === undefined ? undefined : a === b;
    }
    if (op === 'Fn::Not') {
      const v = evaluate(list[0]);
      return v === undefined ? undefined : !v;
    }
    if (op === 'Fn::And' || op === 'Fn::Or') {
      const vs = list.map(evaluate);
      if (vs.some(v => v === undefined)) return undefined;
      return op === 'Fn::And' ? vs.every(Boolean) : vs.some(Boolean);
    }
    return undefined;
  };
  const NO_VALUE = Symbol('no value');
  const walk = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(walk).filter(v => v !== NO_VALUE);
    if (!x || typeof x !== 'object') return x;
    if ('Ref' in x && (x as { Ref: unknown }).Ref === 'AWS::NoValue') return NO_VALUE;
    if ('Fn::If' in x) {
      const [name, a, b] = (x as { 'Fn::If': [string, unknown, unknown] })['Fn::If'];
      const v = cond(name);
      if (v !== undefined) return walk(v ? a : b);
      return x;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) {
      const w = walk(v);
      if (w !== NO_VALUE) out[k] = w;
    }
    return out;
  };
  const resources: Template['Resources'] = {};
  for (const [id, r] of Object.entries(t.Resources)) {
    if (r.Condition && cond(r.Condition) === false) continue;
    resources[id] = walk(r) as TemplateResource;
  }
  return { ...t, Resources: resources };
}

function resources(t: Template, type?: string): Array<[string, TemplateResource]> {
  return Object.entries(t.Resources).filter(([, r]) => !type || r.Type === type);
}

/** A literal, or the text of an Fn::Sub (its first form), or undefined for anything else. */
function textOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && 'Fn::Sub' in v) {
    const sub = (v as Record<string, unknown>)['Fn::Sub'];
    return typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : undefined;
  }
  return undefined;
}

const SECRET_ARN_LITERAL = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+(:[^:]*:[^:]*:[^:]*)?$/;
const SECRET_ARN_SUB = /^arn:\$\{AWS::Partition\}:secretsmanager:\$\{AWS::Region\}:\$\{AWS::AccountId\}:secret:[A-Za-z0-9/_+=.@${}:-]+$/;
const JSON_KEY_SUFFIX = /^(:[A-Za-z0-9_-]*:[A-Za-z0-9_-]*:[A-Za-z0-9_-]*)?$/;

/** True when `v` evaluates to a Secrets Manager ARN: a literal ARN, an ARN built with Fn::Sub, or a secret resource's Ref (its ARN). */
function isSecretArn(t: Template, v: unknown): boolean {
  const secretIds = new Set(resources(t, 'AWS::SecretsManager::Secret').map(([id]) => id));
  if (v && typeof v === 'object' && 'Ref' in v) return secretIds.has(String((v as { Ref: unknown }).Ref));
  if (typeof v === 'string') return SECRET_ARN_LITERAL.test(v);
  const text = textOf(v);
  if (!text) return false;
  if (SECRET_ARN_SUB.test(text)) return true;
  // ${DatabaseSecret}:username:: — a secret resource's ARN with the JSON-key suffix.
  const m = /^\$\{([A-Za-z0-9]+)\}(.*)$/.exec(text);
  return !!m && secretIds.has(m[1]) && JSON_KEY_SUFFIX.test(m[2]);
}

function containers(t: Template): Array<{ where: string; c: Record<string, any> }> {
  const out: Array<{ where: string; c: Record<string, any> }> = [];
  for (const [id, r] of resources(t, 'AWS::ECS::TaskDefinition')) for (const c of r.Properties?.ContainerDefinitions ?? []) out.push({ where: `${id}/${c.Name ?? '?'}`, c });
  return out;
}

/** Fn::If branches flattened: both sides of a condition are what the template may deploy. */
function branches(list: unknown): Array<Record<string, any>> {
  const out: Array<Record<string, any>> = [];
  for (const item of Array.isArray(list) ? list : []) {
    if (item && typeof item === 'object' && 'Fn::If' in item) {
      const [, a, b] = (item as { 'Fn::If': unknown[] })['Fn::If'];
      for (const x of [a, b]) if (x && typeof x === 'object' && !('Ref' in x && (x as { Ref: string }).Ref === 'AWS::NoValue')) out.push(x as Record<string, any>);
    } else if (item && typeof item === 'object') out.push(item as Record<string, any>);
  }
  return out;
}

function checkSecrets(t: Template, p: Problems): void {
  for (const { where, c } of containers(t)) {
    for (const s of branches(c.Secrets)) {
      if (!isSecretArn(t, s.ValueFrom)) {
        p.push({ rule: 'secret-value-from-arn', where, message: `secret ${s.Name}: ValueFrom ${JSON.stringify(s.ValueFrom)} is not a Secrets Manager ARN (a bare name is read as an SSM parameter and the task fails to start)` });
      }
    }
  }
}

function checkDatabases(t: Template, contract: StageContract, p: Problems): void {
  const dbs = resources(t, 'AWS::RDS::DBInstance');
  for (const [id, r] of dbs) {
    if (r.Properties?.StorageEncrypted !== true) p.push({ rule: 'rds-storage-encrypted', where: id, message: 'StorageEncrypted must be true' });
    if (contract.protected && r.Properties?.DeletionProtection !== true) p.push({ rule: 'rds-deletion-protection', where: id, message: 'a protected stage’s database needs DeletionProtection: true' });
    const version = r.Properties?.EngineVersion;
    const literal = typeof version === 'string' ? version : version?.Ref ? (t.Parameters?.[version.Ref] as { Default?: unknown } | undefined)?.Default : undefined;
    if (literal !== undefined && !/^\d+$/.test(String(literal))) p.push({ rule: 'rds-engine-major', where: id, message: `EngineVersion ${String(literal)} pins a minor version AWS retires; give the major version only` });
  }
  if (dbs.length === 0) return;
  for (const { where, c } of containers(t)) {
    const env = branches(c.Environment);
    const mode = env.find(e => e.Name === 'PGSSLMODE')?.Value;
    if (!['require', 'verify-ca', 'verify-full'].includes(mode)) p.push({ rule: 'rds-tls', where, message: 'PGSSLMODE must be require, verify-ca or verify-full: RDS PostgreSQL refuses clear-text connections (rds.force_ssl=1)' });
  }
}

function checkNoNetwork(t: Template, p: Problems): void {
  for (const [id] of [...resources(t, 'AWS::EC2::VPC'), ...resources(t, 'AWS::EC2::InternetGateway')]) {
    p.push({ rule: 'no-vpc-in-stage', where: id, message: 'a stage stack must not create a VPC or internet gateway (5 per region by default): use the foundation’s' });
  }
}

function checkListeners(t: Template, contract: FoundationContract, p: Problems): void {
  const listeners = resources(t, 'AWS::ElasticLoadBalancingV2::Listener');
  if (!contract.certificate) return;
  const https = listeners.find(([, r]) => Number(r.Properties?.Port) === 443 && r.Properties?.Protocol === 'HTTPS' && Array.isArray(r.Properties?.Certificates) && r.Properties.Certificates.length > 0);
  if (!https) p.push({ rule: 'https-listener', where: 'LoadBalancer', message: 'a certificate was given but no listener serves HTTPS on 443 with it' });
  for (const [id, r] of listeners.filter(([, r]) => Number(r.Properties?.Port) === 80)) {
    const actions = branches(r.Properties?.DefaultActions);
    if (!actions.some(a => a.Type === 'redirect' && a.RedirectConfig?.Protocol === 'HTTPS')) p.push({ rule: 'http-redirects', where: id, message: 'with a certificate, port 80 must redirect to HTTPS' });
  }
}

function statements(r: TemplateResource): unknown[] {
  const docs: unknown[] = [];
  if (r.Type === 'AWS::IAM::Role') for (const pol of r.Properties?.Policies ?? []) docs.push(pol.PolicyDocument);
  if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') docs.push(r.Properties?.PolicyDocument);
  return docs.flatMap(d => (d && typeof d === 'object' ? ([] as unknown[]).concat((d as { Statement?: unknown }).Statement ?? []) : []));
}

/** Allow with `*` or `service:*` (or `service:Verb*`-free wildcards) on Resource `*`: the shape least privilege forbids. */
function checkPolicies(t: Template, p: Problems): void {
  for (const [id, r] of resources(t)) {
    for (const s of statements(r) as Array<Record<string, unknown>>) {
      if (s.Effect !== 'Allow') continue;
      const res = ([] as unknown[]).concat(s.Resource ?? []);
      if (!res.includes('*')) continue;
      for (const a of ([] as unknown[]).concat(s.Action ?? [])) {
        if (a === '*' || (typeof a === 'string' && /^[a-z0-9-]+:\*$/.test(a))) p.push({ rule: 'iam-no-wildcard', where: id, message: `allows ${a} on every resource` });
      }
    }
  }
}

function checkBuilds(t: Template, p: Problems): void {
  const registryCli = /\bnpx\b[^\n]*\bstagecraft\b|npm (i|install) [^\n]*\bstagecraft\b/;
  for (const [id, r] of resources(t, 'AWS::CodeBuild::Project')) {
    const spec = textOf(r.Properties?.Source?.BuildSpec) ?? '';
    const env = (r.Properties?.Environment?.EnvironmentVariables ?? []) as Array<{ Name?: string; Value?: unknown }>;
    const values = env.map(e => (e.Value && typeof e.Value === 'object' && 'Ref' in e.Value ? (t.Parameters?.[(e.Value as { Ref: string }).Ref] as { Default?: unknown } | undefined)?.Default : e.Value));
    if (registryCli.test(spec) || values.some(v => typeof v === 'string' && registryCli.test(v))) {
      p.push({ rule: 'no-registry-cli', where: id, message: 'the build fetches Stagecraft from a package registry by name; it must run the verified bundle from the artifact bucket' });
    }
  }
}

function checkRepositories(t: Template, p: Problems): void {
  for (const [id, r] of resources(t, 'AWS::ECR::Repository')) {
    if (!r.Properties?.LifecyclePolicy) p.push({ rule: 'ecr-lifecycle', where: id, message: 'an image repository needs a lifecycle policy (untagged and old images expire)' });
    if (r.Properties?.RepositoryName !== undefined && r.DeletionPolicy === 'Retain') p.push({ rule: 'ecr-lifecycle', where: id, message: 'a fixed-name repository kept on delete makes the next create fail "already exists"' });
  }
}

function checkBuckets(t: Template, p: Problems): void {
  const policies = resources(t, 'AWS::S3::BucketPolicy');
  for (const [id] of resources(t, 'AWS::S3::Bucket')) {
    const tlsOnly = policies.some(([, pol]) => {
      const bucket = pol.Properties?.Bucket;
      const forThis = bucket && typeof bucket === 'object' && (bucket as { Ref?: string }).Ref === id;
      const stmts = ([] as Array<Record<string, any>>).concat(pol.Properties?.PolicyDocument?.Statement ?? []);
      return forThis && stmts.some(s => s.Effect === 'Deny' && String(s.Condition?.Bool?.['aws:SecureTransport']) === 'false');
    });
    if (!tlsOnly) p.push({ rule: 'bucket-tls-only', where: id, message: 'the bucket needs a policy denying requests without TLS (aws:SecureTransport false)' });
  }
}

function checkLogGroups(t: Template, p: Problems): void {
  for (const [id, r] of resources(t, 'AWS::Logs::LogGroup')) if (r.Properties?.RetentionInDays === undefined) p.push({ rule: 'log-retention', where: id, message: 'a log group needs RetentionInDays (logs are kept forever otherwise)' });
}

export function checkStageTemplate(template: Template, contract: StageContract, parameters?: Record<string, string>): ContractProblem[] {
  const t = effectiveTemplate(template, parameters);
  const p: Problems = [];
  checkNoNetwork(t, p);
  checkSecrets(t, p);
  checkDatabases(t, contract, p);
  checkPolicies(t, p);
  checkLogGroups(t, p);
  return p;
}

export function checkFoundationTemplate(template: Template, contract: FoundationContract, parameters?: Record<string, string>): ContractProblem[] {
  const t = effectiveTemplate(template, parameters);
  const p: Problems = [];
  checkListeners(t, contract, p);
  checkPolicies(t, p);
  checkRepositories(t, p);
  checkBuckets(t, p);
  checkLogGroups(t, p);
  return p;
}

/** Each protected stage's Deploy action runs the CodeBuild project whose build deploys with protection and rollback triggers. */
function checkProtectedDeploys(t: Template, contract: PipelineContract, p: Problems): void {
  const stages = (t.Resources.Pipeline?.Properties?.Stages ?? []) as Array<{ Name?: string; Actions?: Array<Record<string, any>> }>;
  for (const stage of contract.protectedStages) {
    const where = `Pipeline/Deploy-${stage}`;
    const deploy = stages.find(s => s.Name === `Deploy-${stage}`)?.Actions?.find(a => a.ActionTypeId?.Category === 'Deploy' || a.Name === 'Deploy');
    if (!deploy) {
      p.push({ rule: 'pipeline-protected-deploy', where, message: `the pipeline has no deploy action for the protected stage ${stage}` });
      continue;
    }
    if (deploy.ActionTypeId?.Provider === 'CloudFormation') {
      p.push({ rule: 'pipeline-protected-deploy', where, message: 'deploys with CodePipeline’s CloudFormation action, which sets neither termination protection nor rollback triggers: run `stagecraft aws deploy-rendered` in CodeBuild' });
      continue;
    }
    const project = deploy.Configuration?.ProjectName?.Ref as string | undefined;
    const spec = project ? textOf(t.Resources[project]?.Properties?.Source?.BuildSpec) ?? '' : '';
    if (deploy.ActionTypeId?.Provider !== 'CodeBuild' || !/\baws deploy-rendered\b/.test(spec)) {
      p.push({ rule: 'pipeline-protected-deploy', where, message: 'the deploy action does not run `stagecraft aws deploy-rendered` (termination protection and rollback triggers)' });
    }
  }
}

export function checkPipelineTemplate(template: Template, parameters?: Record<string, string>, contract: PipelineContract = { protectedStages: [] }): ContractProblem[] {
  const t = effectiveTemplate(template, parameters);
  const p: Problems = [];
  checkProtectedDeploys(t, contract, p);
  checkPolicies(t, p);
  checkBuilds(t, p);
  checkRepositories(t, p);
  checkLogGroups(t, p);
  return p;
}

export function formatContractProblem(template: string, c: ContractProblem): string {
  return `${template}: ${c.where}: ${c.message} [${c.rule}]`;
}
