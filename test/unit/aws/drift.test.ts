import * as assert from 'node:assert/strict';
import {
  CloudFormationClient,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceDriftsCommand,
  DetectStackDriftCommand,
  type CloudFormationClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-cloudformation';
import { DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { DescribeRulesCommand, ModifyRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { AwsClients } from '../../../src/aws/clients';
import { detectResourceDrift } from '../../../src/aws/drift';
import { AwsProvider } from '../../../src/aws/provider';
import type { Stage } from '../../../src/core/model';
import { pushFakeImage } from './support/ecr';
import { startMoto, TEST_CREDENTIALS, type Moto } from './support/moto';
import { stackFromYaml } from './support/stacks';

const COMMIT = '3333333333333333333333333333333333333333';

/**
 * `stagecraft drift` on AWS stages. On moto: the running task definition's variables, secret
 * names and database, and the origins of the stage's listener rules (DescribeRules), against the
 * file; an origin changed on the load balancer behind Stagecraft's back (ModifyRule) is reported. At the SDK boundary: CloudFormation
 * drift detection (moto 5.2.1 does not implement DetectStackDrift), with response shapes from the
 * CloudFormation API reference.
 */
describe('aws running drift', function () {
  this.timeout(120_000);

  describe('on moto', () => {
    let moto: Moto;
    let provider: AwsProvider;
    before(async () => {
      moto = await startMoto();
      provider = new AwsProvider({ clientDefaults: () => ({ endpoint: moto.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS }), pollMs: 100 });
    });
    after(async () => {
      await provider?.dispose();
      await moto?.stop();
    });

    const stack = stackFromYaml(`
stack: driftshop
service:
  port: 8080
stages:
  - name: dev
    provider: aws
    env:
      LOG_LEVEL: debug
      FEATURE: 'on'
    origins: [https://dev.example.com]
`);
    const dev = stack.stages[0];

    it('a stage with no stack is not running; once deployed it matches the file, and each change behind its back is named', async () => {
      assert.equal(await provider.runningDrift(stack, dev), undefined);
      await pushFakeImage(moto.clients(), 'driftshop', COMMIT);
      await provider.deploy(stack, dev, { id: 'artifact-1', commit: COMMIT });

      const same = await provider.runningDrift(stack, dev);
      assert.equal(same?.commit, COMMIT);
      assert.deepEqual(same?.differences, []);
      assert.match(same?.note ?? '', /CloudFormation drift detection did not run/, 'moto has no drift detection: said, not hidden');

      // The file moved on without a deploy: another value, a new variable, a secret, an origin, a database.
      const edited: Stage = {
        ...dev,
        env: { LOG_LEVEL: 'info', FEATURE: 'on', NEW_FLAG: '1', API_KEY: { secret: 'api-key' } },
        origins: ['https://dev.example.com', 'https://new.example.com'],
        database: 'postgres',
      };
      const drift = await provider.runningDrift(stack, edited);
      assert.deepEqual(
        drift?.differences.map(d => `${d.what}:${d.key}`).sort(),
        ['database:database', 'env:API_KEY', 'env:LOG_LEVEL', 'env:NEW_FLAG', 'origin:https://new.example.com'],
      );
      assert.ok(!JSON.stringify(drift).includes('debug') && !JSON.stringify(drift).includes('"info"'), 'values are never reported');
    });

    it('an origin changed on the listener rule in the console (not in CORS_ORIGINS) is reported from the rule itself', async () => {
      const clients = moto.clients();
      const cf = await clients.cloudFormation();
      const resources = await cf.send(new DescribeStackResourcesCommand({ StackName: 'driftshop-dev' }));
      const ruleArn = resources.StackResources?.find(r => r.LogicalResourceId === 'OriginAllowRule')?.PhysicalResourceId;
      assert.ok(ruleArn, 'the stage has an origin allow rule');
      const elb = await clients.elbv2();
      const rule = (await elb.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }))).Rules![0];
      const conditions = rule.Conditions!.map(c =>
        c.Field === 'http-header' ? { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'Origin', Values: ['https://console-edit.example.com'] } } : { Field: c.Field, Values: c.Values, HostHeaderConfig: c.HostHeaderConfig, PathPatternConfig: c.PathPatternConfig },
      );
      await elb.send(new ModifyRuleCommand({ RuleArn: ruleArn, Conditions: conditions }));

      const drift = await provider.runningDrift(stack, dev);
      assert.deepEqual(
        drift?.differences.map(d => `${d.what}:${d.key}`).sort(),
        ['origin:https://console-edit.example.com', 'origin:https://dev.example.com'],
        'CORS_ORIGINS still says dev.example.com: only the rule shows the change',
      );
      assert.match(drift!.differences.find(d => d.key === 'https://console-edit.example.com')!.detail, /allowed by the running stage but not in the file/);
    });
  });

  describe('CloudFormation drift detection at the SDK boundary', () => {
    let cf: AwsStub<ServiceInputTypes, ServiceOutputTypes, CloudFormationClientResolvedConfig>;
    const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/shop-prod/8f0a3c10-eaf0-11e5-8451-500c5242948e';
    before(() => {
      cf = mockClient(CloudFormationClient);
    });
    after(() => cf.restore());

    it('starts a detection, polls its status with backoff until complete, and names what was modified or deleted outside CloudFormation', async () => {
      cf.on(DetectStackDriftCommand).resolves({ StackDriftDetectionId: 'b78ac9b0-dec1-11e7-a451-503a3example' });
      cf.on(DescribeStackDriftDetectionStatusCommand)
        .resolvesOnce({ StackId: STACK_ID, StackDriftDetectionId: 'b78ac9b0-dec1-11e7-a451-503a3example', DetectionStatus: 'DETECTION_IN_PROGRESS', Timestamp: new Date() })
        .resolves({ StackId: STACK_ID, StackDriftDetectionId: 'b78ac9b0-dec1-11e7-a451-503a3example', StackDriftStatus: 'DRIFTED', DetectionStatus: 'DETECTION_COMPLETE', DriftedStackResourceCount: 2, Timestamp: new Date() });
      cf.on(DescribeStackResourceDriftsCommand).resolves({
        StackResourceDrifts: [
          {
            StackId: STACK_ID,
            LogicalResourceId: 'ListenerRule',
            PhysicalResourceId: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee',
            ResourceType: 'AWS::ElasticLoadBalancingV2::ListenerRule',
            StackResourceDriftStatus: 'MODIFIED',
            PropertyDifferences: [{ PropertyPath: '/Conditions/1/HttpHeaderConfig/Values/1', ExpectedValue: 'https://a.example.com', ActualValue: 'https://evil.example.com', DifferenceType: 'NOT_EQUAL' }],
            Timestamp: new Date(),
          },
          { StackId: STACK_ID, LogicalResourceId: 'ServiceSecurityGroup', PhysicalResourceId: 'sg-0a1b2c3d', ResourceType: 'AWS::EC2::SecurityGroup', StackResourceDriftStatus: 'DELETED', Timestamp: new Date() },
        ],
      });
      const clients = new AwsClients({ region: 'us-east-1', credentials: TEST_CREDENTIALS });
      const found = await detectResourceDrift(clients, STACK_ID, { pollMs: 5 });
      assert.deepEqual(found, [
        { what: 'resource', key: 'ListenerRule', detail: 'ListenerRule (AWS::ElasticLoadBalancingV2::ListenerRule) was modified outside CloudFormation (/Conditions/1/HttpHeaderConfig/Values/1 not equal); deploy the stage to restore it' },
        { what: 'resource', key: 'ServiceSecurityGroup', detail: 'ServiceSecurityGroup (AWS::EC2::SecurityGroup) was deleted outside CloudFormation; deploy the stage to restore it' },
      ]);
      assert.equal(cf.commandCalls(DescribeStackDriftDetectionStatusCommand).length, 2);
      assert.deepEqual(cf.commandCalls(DescribeStackResourceDriftsCommand)[0].args[0].input.StackResourceDriftStatusFilters, ['MODIFIED', 'DELETED']);
      assert.ok(!JSON.stringify(found).includes('evil.example.com'), 'actual values stay out of the report (a property may hold a secret)');
    });
  });
});
