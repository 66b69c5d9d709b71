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
 * VPC and internet-gateway quotas (the only Service Quotas moto serves), ACM RequestCertificate /
 * DescribeCertificate (moto issues a pending certificate after MOTO_ACM_VALIDATION_WAIT seconds)
 * and the foundation switching to HTTPS. At the SDK boundary: the quotas moto does not serve (ALB,
 * Elastic IP, Fargate) and CodeStar connections (not in moto), with shapes from the API reference.
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
      assert.equal(by['quota VPCs per Region'].status, 'ok');
      assert.match(by['quota VPCs per Region'].detail, /^5 \(applied\); this stack needs 1 more/);
      assert.equal(by['quota Internet gateways per Region'].status, 'ok');
      // moto serves no ec2/elasticloadbalancing/fargate quotas: said, not guessed.
      assert.equal(by['quota Application Load Balancers per Region'].status, 'skip');
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
      assert.match(issued.out, /^ok {4}quota VPCs per Region: 5 \(applied\); this stack needs 0 more: the foundation’s VPC exists/m);

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
  });

  describe('at the SDK boundary (quotas moto does not serve; CodeStar connections)', () => {
    let sq: AwsStub<SqInput, SqOutput, ServiceQuotasClientResolvedConfig>;
    let conn: AwsStub<ConnInput, ConnOutput, CodeStarConnectionsClientResolvedConfig>;
    let clients: AwsClients;
    before(() => {
      sq = mockClient(ServiceQuotasClient);
      conn = mockClient(CodeStarConnectionsClient);
    });
    after(() => {
      sq.restore();
      conn.restore();
    });
    beforeEach(() => {
      sq.reset();
      conn.reset();
      clients = new AwsClients({ region: 'us-east-1', credentials: TEST_CREDENTIALS });
    });
    const quota = (code: string, value: number) => ({ Quota: { ServiceCode: 'x', QuotaCode: code, QuotaName: 'n', Value: value, Unit: 'None', Adjustable: true, GlobalQuota: false } });

    it('a Fargate vCPU quota below what the stages need fails with the quota code; a quota never applied falls back to the default', async () => {
      const notApplied = new NoSuchResourceException({ $metadata: { httpStatusCode: 400 }, message: 'The request failed because the specified resource does not exist.' });
      sq.on(GetServiceQuotaCommand).rejects(notApplied);
      sq.on(GetServiceQuotaCommand, { ServiceCode: 'fargate', QuotaCode: 'L-3032A538' }).resolves(quota('L-3032A538', 0.5));
      sq.on(GetAWSDefaultServiceQuotaCommand).rejects(notApplied);
      sq.on(GetAWSDefaultServiceQuotaCommand, { ServiceCode: 'elasticloadbalancing', QuotaCode: 'L-53DA6B97' }).resolves(quota('L-53DA6B97', 50));
      const needs = quotaNeeds(stack, undefined);
      const checks = await checkQuotas(clients, needs);
      const by = Object.fromEntries(checks.map(c => [c.what, c]));
      assert.equal(by['quota Fargate On-Demand vCPU resource count'].status, 'fail');
      assert.match(by['quota Fargate On-Demand vCPU resource count'].detail, /^0\.5 \(applied\) but this stack needs 1: 2 stage\(s\) × 0\.25 vCPU.*fargate L-3032A538/);
      assert.equal(by['quota Application Load Balancers per Region'].status, 'ok');
      assert.match(by['quota Application Load Balancers per Region'].detail, /^50 \(default\)/);
      assert.equal(by['quota EC2-VPC Elastic IPs'].status, 'skip');
      assert.deepEqual(
        sq.commandCalls(GetServiceQuotaCommand).map(c => `${c.args[0].input.ServiceCode}/${c.args[0].input.QuotaCode}`),
        ['vpc/L-F678F1CE', 'vpc/L-A4707A72', 'ec2/L-0263D0A3', 'elasticloadbalancing/L-53DA6B97', 'fargate/L-3032A538'],
      );
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
