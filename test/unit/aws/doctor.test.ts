import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import {
  CodeStarConnectionsClient,
  GetConnectionCommand,
  type CodeStarConnectionsClientResolvedConfig,
  type ServiceInputTypes as ConnInput,
  type ServiceOutputTypes as ConnOutput,
} from '@aws-sdk/client-codestar-connections';
import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  NoSuchResourceException,
  ServiceQuotasClient,
  type ServiceInputTypes as SqInput,
  type ServiceOutputTypes as SqOutput,
  type ServiceQuotasClientResolvedConfig,
} from '@aws-sdk/client-service-quotas';
import { CreateVpcCommand, DeleteVpcCommand, DescribeAddressesCommand, DescribeInternetGatewaysCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeTasksCommand, ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { AwsClients } from '../../../src/aws/clients';
import { checkConnection, checkQuotas, quotaNeeds, runDoctor } from '../../../src/aws/doctor';
import { describeStack } from '../../../src/aws/cfn/stacks';
import { readFoundationOutputs } from '../../../src/aws/foundation';
import { runCli } from '../../../src/cli/main';
import { TempDirs } from '../core/support/tempDir';
import { builtinProviders } from '../support/providers';
import { startMoto, TEST_CREDENTIALS, type Moto } from './support/moto';
import { releaseVpcForMoto } from './support/query';
import { stackFromYaml } from './support/stacks';

const YAML = 'stack: docshop\nstages:\n  - name: dev\n    provider: aws\n  - name: prod\n    provider: aws\n    protected: true\n';
const stack = stackFromYaml(YAML);

/**
 * `stagecraft aws doctor` and the certificate requested for a domain. On moto: credentials, the
 * VPC and internet-gateway quotas (the only Service Quotas moto serves) against current usage
 * (DescribeVpcs, DescribeInternetGateways, DescribeAddresses, DescribeLoadBalancers: moto serves
 * them), the quotas moto does not serve falling back to AWS's documented defaults, ACM
 * RequestCertificate / DescribeCertificate (moto issues a pending certificate after
 * MOTO_ACM_VALIDATION_WAIT seconds) and the foundation switching to HTTPS. At the SDK boundary:
 * applied ALB / Elastic IP / Fargate quotas (moto answers HTTP 500), Fargate vCPU in use in the
 * stack's cluster (ECS ListTasks/DescribeTasks with cpu) and CodeStar connections (not in moto),
 * with shapes from the API reference.
 */
describe('aws doctor', function () {
  this.timeout(180_000);

  describe('on moto', () => {
    let moto: Moto;
    const temp = new TempDirs();
    let dir: string;
    const saved: Record<string, string | undefined> = {};
    const ENV: Record<string, string> = {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
      // moto's ACM issues a DNS-validated certificate this many seconds after the request.
      MOTO_ACM_VALIDATION_WAIT: '20',
    };
    before(async () => {
      for (const [k, v] of Object.entries(ENV)) {
        saved[k] = process.env[k];
        process.env[k] = v;
      }
      moto = await startMoto();
      saved.AWS_ENDPOINT_URL = process.env.AWS_ENDPOINT_URL;
      process.env.AWS_ENDPOINT_URL = moto.endpoint;
      dir = temp.make('stagecraft-doctor-');
      writeFileSync(join(dir, 'stagecraft.yaml'), YAML);
    });
    after(async () => {
      await moto?.stop();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      temp.cleanup();
    });
    async function cli(args: string[]): Promise<{ code: number; out: string }> {
      let out = '';
      const code = await runCli(args, { cwd: dir, out: l => (out += `${l}\n`), err: l => (out += `${l}\n`), providers: builtinProviders() });
      return { code, out };
    }

    it('before the first deploy: credentials, no foundation yet, the VPC quotas against what the foundation needs, no certificate or connection', async () => {
      const r = await runDoctor(moto.clients(), stack);
      const by = Object.fromEntries(r.checks.map(c => [c.what, c]));
      assert.equal(by.credentials.status, 'ok');
      assert.match(by.credentials.detail, /account 123456789012/);
      assert.equal(by.foundation.status, 'note');
      // Current usage is read (moto's region has its default VPC and no gateway yet), plus what the foundation needs.
      assert.equal(by['quota VPCs per Region'].status, 'ok');
      assert.match(by['quota VPCs per Region'].detail, /^1 used \(VPCs in the region by DescribeVpcs, the default VPC included\) \+ 1 needed \(the foundation creates one VPC\) = 2 ≤ 5 \(applied\)$/);
      assert.match(by['quota Internet gateways per Region'].detail, /^0 used .* \+ 1 needed .* = 1 ≤ 5 \(applied\)$/);
      // moto serves no ec2/elasticloadbalancing/fargate quotas (HTTP 500): said in a few words, compared with AWS's documented default.
      assert.equal(by['quota Application Load Balancers per Region'].status, 'ok');
      assert.match(by['quota Application Load Balancers per Region'].detail, /^0 used .* \+ 1 needed .* = 1 ≤ 50 \(default\) — quota not readable here \(the endpoint does not serve this API \(HTTP 500\)\)$/);
      assert.match(by['quota EC2-VPC Elastic IPs'].detail, /≤ 5 \(default\) — quota not readable here/);
      assert.match(by['quota Fargate On-Demand vCPU resource count'].detail, /^0 used \(the stack’s cluster does not exist yet; tasks in other clusters of the account are not counted\) \+ 1 needed .* ≤ 6 \(default\)/);
      for (const c of r.checks) assert.doesNotMatch(c.detail, /not valid JSON|HTTP 500 .*:/, c.detail);
      assert.equal(by.certificate.status, 'note');
      assert.equal(by.connection.status, 'note');
      assert.equal(r.failed, 0);
      assert.deepEqual(r.estimates.map(e => e.stage), ['dev', 'prod']);
    });

    it('foundation deploy --domain requests a DNS-validated certificate, prints its CNAME records, serves HTTP until ACM issues it, then HTTPS', async () => {
      const requestedAt = Date.now();
      const first = await cli(['aws', 'foundation', 'deploy', '--domain', 'shop.example.com']);
      assert.equal(first.code, 0, first.out);
      assert.match(first.out, /requested ACM certificate arn:aws:acm:us-east-1:123456789012:certificate\/[0-9a-f-]+ for \*\.shop\.example\.com, shop\.example\.com \(DNS validation\)/);
      assert.equal(first.out.match(/CNAME/g)?.length, 2, 'one record per name ACM validates');
      assert.match(first.out, /PENDING_VALIDATION\. Create these DNS records where shop\.example\.com is hosted/);
      assert.match(first.out, /^ {2}_[0-9a-f]+\.shop\.example\.com\. {2}CNAME {2}_[0-9a-f]+\.[a-z]+\.acm-validations\.aws\.$/m);
      const clients = moto.clients();
      let f = (await describeStack(clients, 'docshop-foundation'))!;
      assert.equal(f.parameters.DomainName, 'shop.example.com');
      assert.equal(f.parameters.CertificateArn, '', 'no HTTPS listener on a certificate that is not issued');

      // The doctor says the certificate is not usable yet, with the records, and fails.
      const pending = await cli(['aws', 'doctor']);
      assert.equal(pending.code, 1, pending.out);
      assert.match(pending.out, /^FAIL {2}certificate: arn:aws:acm:\S+ is PENDING_VALIDATION, not ISSUED: ACM waits for DNS validation; create these DNS records:/m);

      await new Promise(r => setTimeout(r, Math.max(0, requestedAt + 21_000 - Date.now())));
      const second = await cli(['aws', 'foundation', 'deploy', '--domain', 'shop.example.com']);
      assert.equal(second.code, 0, second.out);
      assert.doesNotMatch(second.out, /requested ACM certificate/, 'the same certificate is used again');
      assert.match(second.out, /ISSUED; the load balancer serves HTTPS with it/);
      f = (await describeStack(clients, 'docshop-foundation'))!;
      assert.match(f.parameters.CertificateArn, /^arn:aws:acm:us-east-1:123456789012:certificate\//);
      const cf = await clients.cloudFormation();
      const body = JSON.parse((await cf.send(new GetTemplateCommand({ StackName: 'docshop-foundation' }))).TemplateBody!);
      assert.equal(body.Resources.HttpsListener.Properties.Port, 443);
      const issued = await cli(['aws', 'doctor']);
      assert.match(issued.out, /^ok {4}certificate: arn:aws:acm:\S+ ISSUED for (\*\.)?shop\.example\.com, (\*\.)?shop\.example\.com$/m);
      // The foundation's VPC and gateway now count as used; it needs no more.
      assert.match(issued.out, /^ok {4}quota VPCs per Region: 2 used \(.*\) \+ 0 needed \(the foundation’s VPC exists\) = 2 ≤ 5 \(applied\)$/m);
      assert.match(issued.out, /^ok {4}quota Application Load Balancers per Region: 1 used \(.*\) \+ 0 needed/m);
      // Fargate in use: the tasks of the foundation's cluster (named after the stack), none yet; two stages need 1 vCPU at peak.
      assert.match(issued.out, /^ok {4}quota Fargate On-Demand vCPU resource count: 0 used \(0 Fargate task\(s\) running in cluster docshop; tasks in other clusters of the account are not counted\) \+ 1 needed/m);

      // A redeploy without options keeps the domain and the certificate.
      const again = await cli(['aws', 'foundation', 'deploy']);
      assert.equal(again.code, 0, again.out);
      const kept = (await describeStack(clients, 'docshop-foundation'))!;
      assert.equal(kept.parameters.CertificateArn, f.parameters.CertificateArn);
      assert.equal(kept.parameters.DomainName, 'shop.example.com');

      await releaseVpcForMoto(moto.endpoint, f.outputs.VpcId || (await readFoundationOutputs(clients, f)).outputs.VpcId);
      const destroyed = await cli(['aws', 'foundation', 'destroy', '--force']);
      assert.equal(destroyed.code, 0, destroyed.out);
    });

    it('VPCs already in use plus the one the foundation needs over the quota: FAIL with the quota code and where to request an increase', async () => {
      const ec2 = await moto.clients().ec2();
      const made: string[] = [];
      try {
        // The default VPC and four more: the region is at its quota of 5.
        for (let i = 0; i < 4; i++) made.push((await ec2.send(new CreateVpcCommand({ CidrBlock: `10.${10 + i}.0.0/16` }))).Vpc!.VpcId!);
        const out = await cli(['aws', 'doctor']);
        assert.equal(out.code, 1, out.out);
        assert.match(
          out.out,
          /^FAIL {2}quota VPCs per Region: 5 used \(VPCs in the region by DescribeVpcs, the default VPC included\) \+ 1 needed \(the foundation creates one VPC\) = 6, over the quota of 5 \(applied\)\. Request an increase: Service Quotas console → AWS services → Amazon Virtual Private Cloud \(Amazon VPC\) → "VPCs per Region" \(quota code L-F678F1CE\) → Request increase at account level; or `aws service-quotas request-service-quota-increase --service-code vpc --quota-code L-F678F1CE --desired-value 6`\.$/m,
        );
        assert.match(out.out, /^ok {4}quota Internet gateways per Region: /m);
      } finally {
        for (const id of made) await ec2.send(new DeleteVpcCommand({ VpcId: id }));
      }
    });
  });

  describe('at the SDK boundary (quotas moto does not serve; Fargate tasks; CodeStar connections)', () => {
    let sq: AwsStub<SqInput, SqOutput, ServiceQuotasClientResolvedConfig>;
    let conn: AwsStub<ConnInput, ConnOutput, CodeStarConnectionsClientResolvedConfig>;
    const mocks = { ec2: () => mockClient(EC2Client), elb: () => mockClient(ElasticLoadBalancingV2Client), ecs: () => mockClient(ECSClient) };
    let ec2: ReturnType<typeof mocks.ec2>;
    let elb: ReturnType<typeof mocks.elb>;
    let ecs: ReturnType<typeof mocks.ecs>;
    let clients: AwsClients;
    before(() => {
      ec2 = mocks.ec2();
      elb = mocks.elb();
      ecs = mocks.ecs();
      sq = mockClient(ServiceQuotasClient);
      conn = mockClient(CodeStarConnectionsClient);
    });
    after(() => {
      for (const m of [sq, conn, ec2, elb, ecs]) m.restore();
    });
    beforeEach(() => {
      for (const m of [sq, conn, ec2, elb, ecs]) m.reset();
      clients = new AwsClients({ region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    });
    const quota = (code: string, value: number) => ({ Quota: { ServiceCode: 'x', QuotaCode: code, QuotaName: 'n', Value: value, Unit: 'None', Adjustable: true, GlobalQuota: false } });
    const foundation = { name: 'docshop-foundation', id: 'arn:aws:cloudformation:us-east-1:123456789012:stack/docshop-foundation/1', status: 'UPDATE_COMPLETE', outputs: { ClusterName: 'docshop-foundation' }, tags: {}, parameters: { VpcId: '' }, terminationProtection: false };

    it('Fargate vCPU running in the stack’s cluster over the applied quota fails; a quota never applied reads the default; one not readable falls back to the documented default', async () => {
      const notApplied = new NoSuchResourceException({ $metadata: { httpStatusCode: 400 }, message: 'The request failed because the specified resource does not exist.' });
      const denied = Object.assign(new Error('User is not authorized to perform: servicequotas:GetServiceQuota'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
      sq.on(GetServiceQuotaCommand).rejects(notApplied);
      sq.on(GetServiceQuotaCommand, { ServiceCode: 'fargate', QuotaCode: 'L-3032A538' }).resolves(quota('L-3032A538', 2));
      sq.on(GetServiceQuotaCommand, { ServiceCode: 'ec2', QuotaCode: 'L-0263D0A3' }).rejects(denied);
      sq.on(GetAWSDefaultServiceQuotaCommand).resolves(quota('any', 5));
      sq.on(GetAWSDefaultServiceQuotaCommand, { ServiceCode: 'elasticloadbalancing', QuotaCode: 'L-53DA6B97' }).resolves(quota('L-53DA6B97', 50));
      ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-1' }, { VpcId: 'vpc-2' }] });
      ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [{ InternetGatewayId: 'igw-1' }] });
      ec2.on(DescribeAddressesCommand).resolves({ Addresses: [1, 2, 3, 4, 5].map(i => ({ AllocationId: `eipalloc-${i}`, Domain: 'vpc' })) });
      // Two pages; the network load balancer does not count against the ALB quota.
      elb.on(DescribeLoadBalancersCommand).resolvesOnce({ LoadBalancers: [{ LoadBalancerName: 'a', Type: 'application' }, { LoadBalancerName: 'n', Type: 'network' }], NextMarker: 'm2' }).resolves({ LoadBalancers: [{ LoadBalancerName: 'b', Type: 'application' }] });
      ecs.on(ListTasksCommand).resolves({ taskArns: ['t1', 't2', 't3'] });
      ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: 't1', cpu: '1024' }, { taskArn: 't2', cpu: '1024' }, { taskArn: 't3', cpu: '256' }] });

      const checks = await checkQuotas(clients, quotaNeeds(stack, foundation));
      const by = Object.fromEntries(checks.map(c => [c.what, c]));
      const fargate = by['quota Fargate On-Demand vCPU resource count'];
      assert.equal(fargate.status, 'fail');
      assert.match(fargate.detail, /^2\.25 used \(3 Fargate task\(s\) running in cluster docshop-foundation; tasks in other clusters of the account are not counted\) \+ 0 needed \(2 stage\(s\) × 0\.25 vCPU.*\) = 2\.25, over the quota of 2 \(applied\)\. Request an increase: .*AWS Fargate → "Fargate On-Demand vCPU resource count" \(quota code L-3032A538\).*--desired-value 3`\.$/);
      assert.deepEqual(ecs.commandCalls(ListTasksCommand)[0].args[0].input, { cluster: 'docshop-foundation', desiredStatus: 'RUNNING', launchType: 'FARGATE', nextToken: undefined });
      assert.equal(by['quota Application Load Balancers per Region'].detail, '2 used (Application Load Balancers in the region by DescribeLoadBalancers) + 0 needed (the foundation’s exists) = 2 ≤ 50 (default)');
      assert.equal(elb.commandCalls(DescribeLoadBalancersCommand)[1].args[0].input.Marker, 'm2');
      assert.equal(by['quota EC2-VPC Elastic IPs'].status, 'ok');
      assert.match(by['quota EC2-VPC Elastic IPs'].detail, /^5 used .* = 5 ≤ 5 \(default\) — quota not readable here \(access denied\)$/);
      assert.deepEqual(ec2.commandCalls(DescribeAddressesCommand)[0].args[0].input.Filters, [{ Name: 'domain', Values: ['vpc'] }]);
      assert.match(by['quota VPCs per Region'].detail, /^2 used .* \+ 0 needed .* = 2 ≤ 5 \(default\)$/);
      assert.deepEqual(
        sq.commandCalls(GetServiceQuotaCommand).map(c => `${c.args[0].input.ServiceCode}/${c.args[0].input.QuotaCode}`),
        ['vpc/L-F678F1CE', 'vpc/L-A4707A72', 'ec2/L-0263D0A3', 'elasticloadbalancing/L-53DA6B97', 'fargate/L-3032A538'],
      );
    });

    it('a count that cannot be read is said, and the quota is compared with what the stack needs alone', async () => {
      sq.on(GetServiceQuotaCommand).resolves(quota('x', 5));
      ec2.on(DescribeVpcsCommand).rejects(Object.assign(new Error('You are not authorized to perform this operation.'), { name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } }));
      const [vpcs] = await checkQuotas(clients, quotaNeeds(stack, undefined).slice(0, 1));
      assert.equal(vpcs.detail, 'usage not readable (access denied), counted as 0 + 1 needed (the foundation creates one VPC) = 1 ≤ 5 (applied)');
    });

    it('a connection must be AVAILABLE: PENDING fails with the next step', async () => {
      const arn = 'arn:aws:codestar-connections:us-east-1:123456789012:connection/39e4c34d-e13a-4e94-a886-ea67651bf042';
      conn.on(GetConnectionCommand).resolvesOnce({ Connection: { ConnectionArn: arn, ConnectionName: 'shop-github', ProviderType: 'GitHub', ConnectionStatus: 'PENDING', OwnerAccountId: '123456789012' } }).resolves({ Connection: { ConnectionArn: arn, ConnectionName: 'shop-github', ProviderType: 'GitHub', ConnectionStatus: 'AVAILABLE', OwnerAccountId: '123456789012' } });
      const pending = await checkConnection(clients, arn);
      assert.equal(pending.status, 'fail');
      assert.match(pending.detail, /shop-github \(GitHub\) is PENDING, not AVAILABLE: finish it in the console/);
      assert.deepEqual(await checkConnection(clients, arn), { status: 'ok', what: 'connection', detail: 'shop-github (GitHub) AVAILABLE' });
      assert.equal(conn.commandCalls(GetConnectionCommand)[0].args[0].input.ConnectionArn, arn);
    });
  });
});
