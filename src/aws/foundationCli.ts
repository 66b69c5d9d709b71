import * as path from 'node:path';
import { dirOption, parseCommandArgs, requireStack } from '../core/commandLine';
import type { CliCommand, CliContext } from '../core/providerModule';
import { StagecraftError } from '../core/errors';
import { describeStack } from './cfn/stacks';
import { deployFoundation, destroyFoundation, foundationStackName } from './foundation';
import { callerIdentity } from './identity';
import { estimateStage, PRICES } from './prices';
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
    const result = await deployFoundation(
      clients,
      stack,
      { certificateArn: values.certificate, domain: values.domain, vpcId: values.vpc, publicSubnetIds: list(values['public-subnets']), privateSubnetIds: list(values['private-subnets']) },
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

const doctorUsage = 'stagecraft aws doctor [--dir DIR]';
/**
 * Before a first deploy: who the calls run as and where, whether the foundation exists, and what
 * each stage will cost a month from the project's dated price table. Quotas, certificate and
 * connection status need SDK clients this build does not ship; the output says so.
 */
export const awsDoctorCommand: CliCommand = {
  path: ['aws', 'doctor'],
  usage: doctorUsage,
  summary: 'Check credentials, region and foundation, and estimate each AWS stage’s monthly cost',
  async run(ctx) {
    const { values } = parseCommandArgs(ctx.args, { ...dirOption }, doctorUsage);
    const { stack, clients } = await target(ctx, values.dir);
    let failed = 0;
    try {
      const id = await callerIdentity(clients, ctx.signal);
      ctx.out(`ok    credentials: account ${id.account} as ${id.arn}`);
      if (id.region) ctx.out(`ok    region: ${id.region}`);
      else {
        failed++;
        ctx.out('FAIL  region: none set (AWS_REGION, the profile, or `region:` on the stage)');
      }
      const f = await describeStack(clients, foundationStackName(stack.name), ctx.signal);
      ctx.out(f ? `ok    foundation ${f.name}: ${f.status}${f.parameters.CertificateArn ? ' (HTTPS)' : ' (HTTP only: no certificate)'}` : `note  foundation ${foundationStackName(stack.name)}: not created yet; the first deploy creates it (VPC, ALB, ECR), or run \`stagecraft aws foundation deploy\``);
    } catch (err) {
      failed++;
      ctx.out(`FAIL  ${(err as Error).message}`);
    }
    ctx.out('skip  quotas (VPCs, internet gateways, ALBs, Elastic IPs, Fargate vCPU), certificate and connection status: not checked by this build (needs the Service Quotas, ACM and CodeConnections clients)');
    ctx.out(`Monthly estimate per stage (list prices ${PRICES.region}, ${PRICES.date}; excludes data transfer, taxes, free tier):`);
    let sum = 0;
    for (const stage of stack.stages.filter(s => s.provider === 'aws')) {
      const e = estimateStage(stack, stage);
      sum += e.total;
      ctx.out(`  ${stage.name}: ~$${e.total.toFixed(2)} (${e.lines.map(l => `${l.what} $${l.usd.toFixed(2)}`).join('; ')})`);
    }
    ctx.out(`  all stages: ~$${sum.toFixed(2)} a month`);
    return failed > 0 ? 1 : 0;
  },
};
