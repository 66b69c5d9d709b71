import type { Stack } from '../core/model';
import { toStagecraftError } from '../core/errors';
import { describeCertificate, findCertificate, formatValidationRecords } from './certificate';
import type { AwsClients } from './clients';
import { describeStack, type StackInfo } from './cfn/stacks';
import { applicationLoadBalancersInUse, elasticIpsInUse, fargateVcpuInUse, internetGatewaysInUse, vpcsInUse, type Usage } from './doctorUsage';
import { awsErrorName } from './errors';
import { foundationStackName, readFoundationOutputs } from './foundation';
import { callerIdentity } from './identity';
import { pipelineStackName } from './pipeline/template';
import { estimateStage, type StageEstimate } from './prices';

export type DoctorStatus = 'ok' | 'fail' | 'note' | 'skip';

/** One line of the report: what was checked and what was found, with the next step when it failed. */
export interface DoctorCheck {
  status: DoctorStatus;
  what: string;
  detail: string;
}

export interface DoctorReport {
  stack: string;
  checks: DoctorCheck[];
  estimates: StageEstimate[];
  failed: number;
}

export interface DoctorOptions {
  /** A certificate to check instead of the foundation's (before the first deploy). */
  certificateArn?: string;
  /** A CodeStar connection to check instead of the pipeline's. */
  connectionArn?: string;
  signal?: AbortSignal;
}

/**
 * The Service Quotas a stack needs, by service and quota code (Service Quotas console, "AWS
 * services"), with AWS's documented default value (each service's quotas page) for when Service
 * Quotas cannot be read. `need` is what this stack's foundation and stages add to what the
 * region already uses, which `usage` counts.
 */
export interface QuotaNeed {
  what: string;
  serviceCode: string;
  quotaCode: string;
  defaultValue: number;
  need: number;
  why: string;
  /** `need` is the stack's peak, which already covers what runs in its own cluster (Fargate). */
  needIncludesUsage?: boolean;
  usage: (clients: AwsClients, signal?: AbortSignal) => Promise<Usage>;
}

/** Fargate vCPU of one stage's task (templates/stage.yaml): a rolling deploy runs two at once. */
const STAGE_VCPU = 0.25;

export function quotaNeeds(stack: Pick<Stack, 'stages'>, foundation: StackInfo | undefined): QuotaNeed[] {
  const creates = !foundation || foundation.status.startsWith('DELETE');
  const ownVpc = creates || !foundation.parameters.VpcId;
  const newNetwork = creates && ownVpc ? 1 : 0;
  const aws = stack.stages.filter(s => s.provider === 'aws').length;
  // The cluster is named after the StackName parameter (templates/foundation.yaml).
  const cluster = creates ? undefined : foundation.outputs.ClusterName || foundation.parameters.StackName || undefined;
  return [
    { what: 'VPCs per Region', serviceCode: 'vpc', quotaCode: 'L-F678F1CE', defaultValue: 5, need: newNetwork, why: newNetwork ? 'the foundation creates one VPC' : 'the foundation’s VPC exists', usage: vpcsInUse },
    { what: 'Internet gateways per Region', serviceCode: 'vpc', quotaCode: 'L-A4707A72', defaultValue: 5, need: newNetwork, why: newNetwork ? 'the foundation creates one' : 'the foundation’s exists', usage: internetGatewaysInUse },
    { what: 'EC2-VPC Elastic IPs', serviceCode: 'ec2', quotaCode: 'L-0263D0A3', defaultValue: 5, need: 0, why: 'the foundation allocates none: tasks and the load balancer use AWS-managed public IPs', usage: elasticIpsInUse },
    { what: 'Application Load Balancers per Region', serviceCode: 'elasticloadbalancing', quotaCode: 'L-53DA6B97', defaultValue: 50, need: creates ? 1 : 0, why: creates ? 'the foundation creates one, shared by every stage' : 'the foundation’s exists', usage: applicationLoadBalancersInUse },
    {
      what: 'Fargate On-Demand vCPU resource count',
      serviceCode: 'fargate',
      quotaCode: 'L-3032A538',
      defaultValue: 6,
      need: aws * STAGE_VCPU * 2,
      needIncludesUsage: true,
      why: `${aws} stage(s) × ${STAGE_VCPU} vCPU, doubled while a deploy replaces tasks`,
      usage: (clients, signal) => fargateVcpuInUse(clients, cluster, signal),
    },
  ];
}

/** Why a quota or a count could not be read, in a few words (never a raw HTTP body). */
export function shortReason(err: unknown): string {
  const cause = (err as { cause?: unknown })?.cause ?? err;
  const name = awsErrorName(cause);
  const status = (cause as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (/AccessDenied|UnauthorizedOperation|NotAuthorized/i.test(name)) return 'access denied';
  if (name === 'NoSuchResourceException') return 'unknown to Service Quotas';
  if ((status !== undefined && status >= 500) || /SyntaxError|Deserializ|UnknownOperation|NotImplemented/i.test(name) || /not valid JSON|Unexpected token/i.test(String((cause as Error)?.message))) {
    return `the endpoint does not serve this API${status ? ` (HTTP ${status})` : ''}`;
  }
  const kind = toStagecraftError(err).kind;
  if (kind === 'unavailable') return 'endpoint unreachable';
  return name !== 'Error' ? name : toStagecraftError(err).message.split('\n')[0].slice(0, 80);
}

/** The account's applied value of a quota, else AWS's default as Service Quotas says it, else the documented default. */
async function quotaValue(clients: AwsClients, q: QuotaNeed, signal?: AbortSignal): Promise<{ value: number; source: string; unreadable?: string }> {
  const sq = await import('@aws-sdk/client-service-quotas');
  const client = await clients.serviceQuotas();
  const notApplied = (err: unknown) => awsErrorName((err as { cause?: unknown }).cause ?? err) === 'NoSuchResourceException';
  try {
    const out = await clients.call(`Read quota ${q.what}`, signal, o => client.send(new sq.GetServiceQuotaCommand({ ServiceCode: q.serviceCode, QuotaCode: q.quotaCode }), o));
    if (out.Quota?.Value !== undefined) return { value: out.Quota.Value, source: 'applied' };
  } catch (err) {
    if (!notApplied(err)) return { value: q.defaultValue, source: 'default', unreadable: shortReason(err) };
  }
  try {
    const out = await clients.call(`Read default quota ${q.what}`, signal, o => client.send(new sq.GetAWSDefaultServiceQuotaCommand({ ServiceCode: q.serviceCode, QuotaCode: q.quotaCode }), o));
    if (out.Quota?.Value !== undefined) return { value: out.Quota.Value, source: 'default' };
    return { value: q.defaultValue, source: 'default', unreadable: 'Service Quotas gave no value' };
  } catch (err) {
    return { value: q.defaultValue, source: 'default', unreadable: shortReason(err) };
  }
}

const fmt = (n: number) => String(Math.round(n * 100) / 100);

/**
 * Each quota against what the region already uses plus what the stack needs: `used + needed ≤
 * quota`, or FAIL with the quota code to raise. A quota Service Quotas does not serve (an emulator,
 * a missing permission) is compared with AWS's documented default and says so.
 */
export async function checkQuotas(clients: AwsClients, needs: QuotaNeed[], signal?: AbortSignal): Promise<DoctorCheck[]> {
  const out: DoctorCheck[] = [];
  for (const q of needs) {
    const what = `quota ${q.what}`;
    const quota = await quotaValue(clients, q, signal);
    const value = `${fmt(quota.value)} (${quota.source})${quota.unreadable ? ` — quota not readable here (${quota.unreadable})` : ''}`;
    let usage: Usage | undefined;
    let usageProblem: string | undefined;
    try {
      usage = await q.usage(clients, signal);
    } catch (err) {
      usageProblem = shortReason(err);
    }
    const used = usage?.used ?? 0;
    const extra = q.needIncludesUsage ? Math.max(0, q.need - used) : q.need;
    const total = used + extra;
    const counted = usage ? `${fmt(used)} used (${usage.how})` : `usage not readable (${usageProblem}), counted as 0`;
    const sum = `${counted} + ${fmt(extra)} needed (${q.why}) = ${fmt(total)}`;
    if (total > quota.value) {
      out.push({
        status: 'fail',
        what,
        detail: `${sum}, over the quota of ${value}. Request an increase: Service Quotas console → AWS services → ${SERVICE_NAMES[q.serviceCode] ?? q.serviceCode} → "${q.what}" (quota code ${q.quotaCode}) → Request increase at account level; or \`aws service-quotas request-service-quota-increase --service-code ${q.serviceCode} --quota-code ${q.quotaCode} --desired-value ${Math.ceil(total)}\`.`,
      });
    } else out.push({ status: 'ok', what, detail: `${sum} ≤ ${value}` });
  }
  return out;
}

/** The service names the Service Quotas console lists. */
const SERVICE_NAMES: Record<string, string> = {
  vpc: 'Amazon Virtual Private Cloud (Amazon VPC)',
  ec2: 'Amazon Elastic Compute Cloud (Amazon EC2)',
  elasticloadbalancing: 'Elastic Load Balancing (ELB)',
  fargate: 'AWS Fargate',
};

/** The certificate must be ISSUED before an HTTPS listener can use it; pending, its DNS records are listed. */
export async function checkCertificate(clients: AwsClients, arn: string, signal?: AbortSignal): Promise<DoctorCheck> {
  const what = 'certificate';
  try {
    const c = await describeCertificate(clients, arn, signal);
    if (c.status === 'ISSUED') return { status: 'ok', what, detail: `${arn} ISSUED for ${c.domains.join(', ')}` };
    const records = c.records.length ? `; create these DNS records:\n${formatValidationRecords(c).join('\n')}` : '';
    const next = c.status === 'PENDING_VALIDATION' ? `ACM waits for DNS validation${records}` : `${c.failure ? `${c.failure}; ` : ''}request a new one (stagecraft aws foundation deploy --domain DOMAIN)`;
    return { status: 'fail', what, detail: `${arn} is ${c.status}, not ISSUED: ${next}` };
  } catch (err) {
    return { status: 'fail', what, detail: toStagecraftError(err).message };
  }
}

/** A CodeStar (CodeConnections) connection is usable only once its owner finished the handshake: AVAILABLE. */
export async function checkConnection(clients: AwsClients, arn: string, signal?: AbortSignal): Promise<DoctorCheck> {
  const what = 'connection';
  try {
    const { GetConnectionCommand } = await import('@aws-sdk/client-codestar-connections');
    const client = await clients.codeStarConnections();
    const out = await clients.call(`Read connection ${arn}`, signal, o => client.send(new GetConnectionCommand({ ConnectionArn: arn }), o));
    const c = out.Connection ?? {};
    const label = `${c.ConnectionName ?? arn} (${c.ProviderType ?? 'provider unknown'})`;
    if (c.ConnectionStatus === 'AVAILABLE') return { status: 'ok', what, detail: `${label} AVAILABLE` };
    const next = c.ConnectionStatus === 'PENDING' ? 'finish it in the console (Developer Tools → Settings → Connections → Update pending connection)' : 'create a new connection and deploy the pipeline with it';
    return { status: 'fail', what, detail: `${label} is ${c.ConnectionStatus ?? 'of unknown status'}, not AVAILABLE: ${next}` };
  } catch (err) {
    return { status: 'fail', what, detail: toStagecraftError(err).message };
  }
}

/**
 * Before a first deploy (and any time after): who the calls run as and where, the foundation,
 * the quotas the stack needs, the certificate and the pipeline's connection, and what each stage
 * costs a month. Nothing is created.
 */
export async function runDoctor(clients: AwsClients, stack: Stack, options: DoctorOptions = {}): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const signal = options.signal;
  try {
    const id = await callerIdentity(clients, signal);
    checks.push({ status: 'ok', what: 'credentials', detail: `account ${id.account} as ${id.arn}` });
    checks.push(id.region ? { status: 'ok', what: 'region', detail: id.region } : { status: 'fail', what: 'region', detail: 'none set (AWS_REGION, the profile, or `region:` on the stage)' });
  } catch (err) {
    checks.push({ status: 'fail', what: 'credentials', detail: toStagecraftError(err).message });
    return finish(stack, checks);
  }
  let foundation: StackInfo | undefined;
  try {
    foundation = await describeStack(clients, foundationStackName(stack.name), signal);
    // Outputs CloudFormation has not reported (moto after a change set) come from the resources.
    if (foundation && !foundation.status.startsWith('DELETE')) foundation = await readFoundationOutputs(clients, foundation, signal).catch(() => foundation);
    checks.push(
      foundation
        ? { status: 'ok', what: 'foundation', detail: `${foundation.name}: ${foundation.status}${foundation.parameters.CertificateArn ? ' (HTTPS)' : ' (HTTP only: no certificate)'}` }
        : { status: 'note', what: 'foundation', detail: `${foundationStackName(stack.name)} not created yet; the first deploy creates it (VPC, ALB, ECR), or run \`stagecraft aws foundation deploy\`` },
    );
  } catch (err) {
    checks.push({ status: 'fail', what: 'foundation', detail: toStagecraftError(err).message });
  }
  checks.push(...(await checkQuotas(clients, quotaNeeds(stack, foundation), signal)));

  const domain = foundation?.parameters.DomainName;
  const certificate = options.certificateArn || foundation?.parameters.CertificateArn || (domain ? await findCertificate(clients, domain, signal).catch(() => undefined) : undefined);
  if (certificate) checks.push(await checkCertificate(clients, certificate, signal));
  else checks.push({ status: 'note', what: 'certificate', detail: 'none: the load balancer serves HTTP only (stagecraft aws foundation deploy --domain DOMAIN requests one)' });

  let connection = options.connectionArn;
  if (!connection) {
    const pipeline = await describeStack(clients, pipelineStackName(stack.name), signal).catch(() => undefined);
    connection = pipeline?.parameters.ConnectionArn || undefined;
  }
  if (connection) checks.push(await checkConnection(clients, connection, signal));
  else checks.push({ status: 'note', what: 'connection', detail: 'none: the pipeline (if any) takes source snapshots uploaded by Stagecraft' });
  return finish(stack, checks);
}

function finish(stack: Stack, checks: DoctorCheck[]): DoctorReport {
  const estimates = stack.stages.filter(s => s.provider === 'aws').map(s => estimateStage(stack, s));
  return { stack: stack.name, checks, estimates, failed: checks.filter(c => c.status === 'fail').length };
}

/** The report as the CLI prints it and the editor shows it. */
export function formatDoctorReport(r: DoctorReport, prices: { region: string; date: string }): string[] {
  const lines = r.checks.map(c => `${c.status === 'fail' ? 'FAIL' : c.status.padEnd(4)}  ${c.what}: ${c.detail}`);
  lines.push(`Monthly estimate per stage (list prices ${prices.region}, ${prices.date}; excludes data transfer, taxes, free tier):`);
  let sum = 0;
  for (const e of r.estimates) {
    sum += e.total;
    lines.push(`  ${e.stage}: ~$${e.total.toFixed(2)} (${e.lines.map(l => `${l.what} $${l.usd.toFixed(2)}`).join('; ')})`);
  }
  lines.push(`  all stages: ~$${sum.toFixed(2)} a month`);
  return lines;
}
