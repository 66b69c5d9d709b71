import type { Stack } from '../core/model';
import { toStagecraftError } from '../core/errors';
import { describeCertificate, findCertificate, formatValidationRecords } from './certificate';
import type { AwsClients } from './clients';
import { describeStack, type StackInfo } from './cfn/stacks';
import { awsErrorName } from './errors';
import { foundationStackName } from './foundation';
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
 * services"; default values from each service's quotas page). `need` is what this stack's
 * foundation and stages take beyond what already exists.
 */
export interface QuotaNeed {
  what: string;
  serviceCode: string;
  quotaCode: string;
  need: number;
  why: string;
}

/** Fargate vCPU of one stage's task (templates/stage.yaml): a rolling deploy runs two at once. */
const STAGE_VCPU = 0.25;

export function quotaNeeds(stack: Pick<Stack, 'stages'>, foundation: StackInfo | undefined): QuotaNeed[] {
  const creates = !foundation || foundation.status.startsWith('DELETE');
  const ownVpc = creates || !foundation.parameters.VpcId;
  const newNetwork = creates && ownVpc ? 1 : 0;
  const aws = stack.stages.filter(s => s.provider === 'aws').length;
  return [
    { what: 'VPCs per Region', serviceCode: 'vpc', quotaCode: 'L-F678F1CE', need: newNetwork, why: newNetwork ? 'the foundation creates one VPC (the default VPC counts too)' : 'the foundation’s VPC exists' },
    { what: 'Internet gateways per Region', serviceCode: 'vpc', quotaCode: 'L-A4707A72', need: newNetwork, why: newNetwork ? 'the foundation creates one' : 'the foundation’s exists' },
    { what: 'EC2-VPC Elastic IPs', serviceCode: 'ec2', quotaCode: 'L-0263D0A3', need: 0, why: 'the foundation allocates none (tasks and the load balancer use AWS-managed public IPs)' },
    { what: 'Application Load Balancers per Region', serviceCode: 'elasticloadbalancing', quotaCode: 'L-53DA6B97', need: creates ? 1 : 0, why: creates ? 'the foundation creates one, shared by every stage' : 'the foundation’s exists' },
    { what: 'Fargate On-Demand vCPU resource count', serviceCode: 'fargate', quotaCode: 'L-3032A538', need: aws * STAGE_VCPU * 2, why: `${aws} stage(s) × ${STAGE_VCPU} vCPU, doubled while a deploy replaces tasks` },
  ];
}

/** The account's applied value of a quota, or AWS's default when none was applied; undefined when Service Quotas does not know it. */
async function quotaValue(clients: AwsClients, q: QuotaNeed, signal?: AbortSignal): Promise<{ value?: number; source: string }> {
  const sq = await import('@aws-sdk/client-service-quotas');
  const client = await clients.serviceQuotas();
  const unknown = (err: unknown) => awsErrorName((err as { cause?: unknown }).cause ?? err) === 'NoSuchResourceException';
  try {
    const out = await clients.call(`Read quota ${q.what}`, signal, o => client.send(new sq.GetServiceQuotaCommand({ ServiceCode: q.serviceCode, QuotaCode: q.quotaCode }), o));
    return { value: out.Quota?.Value, source: 'applied' };
  } catch (err) {
    if (!unknown(err)) throw err;
  }
  try {
    const out = await clients.call(`Read default quota ${q.what}`, signal, o => client.send(new sq.GetAWSDefaultServiceQuotaCommand({ ServiceCode: q.serviceCode, QuotaCode: q.quotaCode }), o));
    return { value: out.Quota?.Value, source: 'default' };
  } catch (err) {
    if (!unknown(err)) throw err;
    return { source: 'unknown' };
  }
}

export async function checkQuotas(clients: AwsClients, needs: QuotaNeed[], signal?: AbortSignal): Promise<DoctorCheck[]> {
  const out: DoctorCheck[] = [];
  for (const q of needs) {
    const what = `quota ${q.what}`;
    try {
      const { value, source } = await quotaValue(clients, q, signal);
      if (value === undefined) out.push({ status: 'skip', what, detail: `Service Quotas does not report ${q.serviceCode}/${q.quotaCode} here; needs ${q.need} (${q.why})` });
      else if (value < q.need) out.push({ status: 'fail', what, detail: `${value} (${source}) but this stack needs ${q.need}: ${q.why}. Request an increase in the Service Quotas console (${q.serviceCode} ${q.quotaCode}).` });
      else out.push({ status: 'ok', what, detail: `${value} (${source}); this stack needs ${q.need} more: ${q.why} — current usage is not read, so other resources in the account may already take it` });
    } catch (err) {
      out.push({ status: 'skip', what, detail: `not readable: ${toStagecraftError(err).message.split('\n')[0]}` });
    }
  }
  return out;
}

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
