import * as path from 'node:path';
import { dirOption, parseCommandArgs, requireStack } from '../core/commandLine';
import type { CliCommand, CliContext } from '../core/providerModule';
import { StagecraftError } from '../core/errors';
import { deployFoundation, destroyFoundation, foundationStackName } from './foundation';
import { ensureCertificate, formatValidationRecords } from './certificate';
import { PRICES } from './prices';
import { formatDoctorReport, runDoctor } from './doctor';
import { AWS_PROVIDER, awsProviderOf } from './load';

/**
 * `stagecraft aws foundation deploy|destroy`: the stack's shared foundation in one account and
 * region. A first stage deploy creates it with the defaults; deploy it yourself for HTTPS, a
 * domain or an existing VPC.
 */
const deployUsage = 'stagecraft aws foundation deploy [--certificate ACM_ARN] [--domain DOMAIN] [--vpc VPC_ID --public-subnets A,B --private-subnets C,D] [--dir DIR]';
const list = (v?: string) => (v ? v.split(',').map(s => s.trim()).filter(Boolean) : undefined);

async function target(ctx: CliContext, dir?: string) {
  const stack = await requireStack(path.resolve(ctx.cwd, dir ?? '.'), ctx.providers);
  const provider = await awsProviderOf(ctx.providers, 'stagecraft aws foundation');
  const stage = stack.stages.find(s => s.provider === AWS_PROVIDER);
  if (!stage) throw new StagecraftError(`Stack "${stack.name}" has no AWS stage, so it needs no foundation.`, { kind: 'input', hint: 'Add a stage with `provider: aws` first.' });
  return { stack, provider, clients: provider.clientsFor(stage) };
}

export const awsFoundationDeployCommand: CliCommand = {
  path: ['aws', 'foundation', 'deploy'],
  usage: deployUsage,
  summary: 'Create or update the stack’s shared foundation (VPC, ECS cluster, load balancer, ECR, artifact bucket)',
  async run(ctx) {
    const { values } = parseCommandArgs(
      ctx.args,
      { ...dirOption, certificate: { type: 'string' }, domain: { type: 'string' }, vpc: { type: 'string' }, 'public-subnets': { type: 'string' }, 'private-subnets': { type: 'string' } },
      deployUsage,
    );
    const { stack, provider, clients } = await target(ctx, values.dir);
    let certificateArn = values.certificate;
    // A domain without a certificate: the stack's own DNS-validated certificate, HTTPS once ACM has issued it.
    if (values.domain && !certificateArn) {
      const cert = await ensureCertificate(clients, stack.name, values.domain, { signal: ctx.signal, log: ctx.out });
      if (cert.status === 'ISSUED') {
        certificateArn = cert.arn;
        ctx.out(`Certificate ${cert.arn} for ${cert.domains.join(', ')}: ISSUED; the load balancer serves HTTPS with it.`);
      } else {
        ctx.out(`Certificate ${cert.arn} for ${cert.domains.join(', ')}: ${cert.status}. Create these DNS records where ${values.domain} is hosted, so ACM can validate it:`);
        for (const line of formatValidationRecords(cert)) ctx.out(line);
        if (cert.records.length === 0) ctx.out('  (ACM has not published the records yet: `stagecraft aws doctor` lists them once it has)');
        ctx.out(`Until ACM issues it the load balancer serves HTTP only; run this command again once \`stagecraft aws doctor\` shows the certificate ISSUED.`);
      }
      ctx.out(`Point ${values.domain} and *.${values.domain} (CNAME or alias) at the load balancer's DNS name (the foundation's LoadBalancerDnsName output).`);
    }
    const result = await deployFoundation(
      clients,
      stack,
      { certificateArn, domain: values.domain, vpcId: values.vpc, publicSubnetIds: list(values['public-subnets']), privateSubnetIds: list(values['private-subnets']) },
      { log: ctx.out, signal: ctx.signal, pollMs: provider.pollMs },
    );
    ctx.out(`Foundation of ${stack.name}: ${result.outcome}.`);
    return 0;
  },
};

const destroyUsage = 'stagecraft aws foundation destroy --force [--dir DIR]';
export const awsFoundationDestroyCommand: CliCommand = {
  path: ['aws', 'foundation', 'destroy'],
  usage: destroyUsage,
  summary: 'Delete the stack’s foundation once no stage uses it (the artifact bucket is kept)',
  async run(ctx) {
    const { values } = parseCommandArgs(ctx.args, { ...dirOption, force: { type: 'boolean' } }, destroyUsage);
    if (!values.force) throw new StagecraftError(`Destroying the foundation removes the network, load balancer and image repository of every stage.\nUsage: ${destroyUsage}`, { kind: 'usage' });
    const { stack, provider, clients } = await target(ctx, values.dir);
    const outcome = await destroyFoundation(clients, stack, { log: ctx.out, signal: ctx.signal, pollMs: provider.pollMs });
    ctx.out(outcome === 'deleted' ? `Foundation of ${stack.name} deleted.` : `${stack.name} has no foundation.`);
    return 0;
  },
};

const doctorUsage = 'stagecraft aws doctor [--certificate ACM_ARN] [--connection CONNECTION_ARN] [--json] [--dir DIR]';
/**
 * Before a first deploy: who the calls run as and where, whether the foundation exists, the
 * Service Quotas the stack needs, the certificate (ISSUED) and the pipeline's connection
 * (AVAILABLE), and what each stage will cost a month from the project's dated price table.
 */
export const awsDoctorCommand: CliCommand = {
  path: ['aws', 'doctor'],
  usage: doctorUsage,
  summary: 'Check credentials, region, foundation, quotas, certificate and connection, and estimate each AWS stage’s monthly cost',
  async run(ctx) {
    const { values } = parseCommandArgs(ctx.args, { ...dirOption, certificate: { type: 'string' }, connection: { type: 'string' }, json: { type: 'boolean' } }, doctorUsage);
    const { stack, clients } = await target(ctx, values.dir);
    const report = await runDoctor(clients, stack, { certificateArn: values.certificate, connectionArn: values.connection, signal: ctx.signal });
    if (values.json) ctx.out(JSON.stringify({ ...report, prices: { region: PRICES.region, date: PRICES.date } }, null, 2));
    else for (const line of formatDoctorReport(report, PRICES)) ctx.out(line);
    return report.failed > 0 ? 1 : 0;
  },
};
