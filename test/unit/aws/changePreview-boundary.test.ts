import * as assert from 'node:assert/strict';
import {
  CloudFormationClient,
  CloudFormationServiceException,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  type CloudFormationClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  type StackStatus,
} from '@aws-sdk/client-cloudformation';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { previewStageChanges } from '../../../src/aws/changePreview';
import { AwsClients } from '../../../src/aws/clients';
import { TEST_CREDENTIALS } from './support/moto';
import { fakeFoundation, fakeImage, stackFromYaml } from './support/stacks';

/**
 * What moto's change sets leave out — the Service an env change modifies, the task definition it
 * replaces, a change set failing while it is read — at the SDK boundary, with response shapes from
 * the CloudFormation API reference (DescribeChangeSet's Changes[].ResourceChange).
 */
const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/shop-dev/8f0a3c10-eaf0-11e5-8451-500c5242948e';
const COMMIT = '2222222222222222222222222222222222222222';
const STACK = stackFromYaml(`
stack: shop
service:
  port: 8080
stages:
  - name: dev
    provider: aws
    loadBalancer: true
    env:
      LOG_LEVEL: warn
`);

function foundationOutputs() {
  const f = fakeFoundation();
  const o = { VpcId: f.vpcId, PublicSubnetIds: f.publicSubnetIds, PrivateSubnetIds: f.privateSubnetIds, ClusterName: f.clusterName, ListenerArn: f.listenerArn, LoadBalancerSecurityGroupId: f.loadBalancerSecurityGroupId, LoadBalancerFullName: f.loadBalancerFullName };
  return Object.entries(o).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue }));
}

describe('aws change preview at the SDK boundary (what moto cannot serve)', () => {
  let cf: AwsStub<ServiceInputTypes, ServiceOutputTypes, CloudFormationClientResolvedConfig>;
  let clients: AwsClients;
  before(() => {
    cf = mockClient(CloudFormationClient);
  });
  beforeEach(() => {
    cf.reset();
    clients = new AwsClients({ region: 'us-east-1', credentials: TEST_CREDENTIALS });
  });
  after(() => cf.restore());

  function stages(devStatus: string) {
    cf.on(DescribeStacksCommand, { StackName: 'shop-dev' }).resolves({ Stacks: [{ StackId: STACK_ID, StackName: 'shop-dev', StackStatus: devStatus as StackStatus, CreationTime: new Date('2026-11-22T10:00:00Z') }] });
    cf.on(DescribeStacksCommand, { StackName: 'shop-foundation' }).resolves({ Stacks: [{ StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/shop-foundation/1', StackName: 'shop-foundation', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date('2026-11-20T10:00:00Z'), Outputs: foundationOutputs() }] });
    cf.on(CreateChangeSetCommand).callsFake(input => ({ Id: `arn:aws:cloudformation:us-east-1:123456789012:changeSet/${input.ChangeSetName}/1`, StackId: STACK_ID }));
    cf.on(DeleteChangeSetCommand).resolves({});
  }

  it('an env change: the task definition is replaced, the service modified; the change set is deleted and never executed', async () => {
    stages('UPDATE_COMPLETE');
    cf.on(DescribeChangeSetCommand)
      .resolvesOnce({ Status: 'CREATE_PENDING' })
      .resolves({
        Status: 'CREATE_COMPLETE',
        Changes: [
          { Type: 'Resource', ResourceChange: { Action: 'Modify', LogicalResourceId: 'TaskDefinition', ResourceType: 'AWS::ECS::TaskDefinition', Replacement: 'True', Scope: ['Properties'] } },
          { Type: 'Resource', ResourceChange: { Action: 'Modify', LogicalResourceId: 'Service', ResourceType: 'AWS::ECS::Service', Replacement: 'False', Scope: ['Properties'] } },
        ],
      });
    const review = await previewStageChanges(clients, STACK, STACK.stages[0], { id: fakeImage('b'), commit: COMMIT }, { pollMs: 5 });
    assert.deepEqual(review.changes.map(c => `${c.kind} ${c.resource}`).sort(), ['modify Service', 'replace TaskDefinition']);
    assert.equal(review.summary, '0 to add, 1 to modify (Service), 1 to replace (TaskDefinition), 0 to remove');
    const created = cf.commandCalls(CreateChangeSetCommand)[0].args[0].input;
    assert.equal(created.ChangeSetType, 'UPDATE');
    assert.match(created.ChangeSetName!, /^stagecraft-preview-/);
    assert.ok(created.TemplateBody!.includes('"LOG_LEVEL"'), 'the candidate’s env is in the template');
    assert.deepEqual(cf.commandCalls(DeleteChangeSetCommand).map(c => c.args[0].input), [{ ChangeSetName: created.ChangeSetName, StackName: 'shop-dev' }]);
    assert.equal(cf.commandCalls(ExecuteChangeSetCommand).length, 0);
  });

  it('a change set that fails while it is read is deleted all the same', async () => {
    stages('UPDATE_COMPLETE');
    cf.on(DescribeChangeSetCommand).rejects(new CloudFormationServiceException({ name: 'Throttling', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' }));
    await assert.rejects(previewStageChanges(clients, STACK, STACK.stages[0], { id: fakeImage('b'), commit: COMMIT }, { pollMs: 5 }));
    assert.equal(cf.commandCalls(DeleteChangeSetCommand).length, 1);
    assert.equal(cf.commandCalls(ExecuteChangeSetCommand).length, 0);
  });

  it('a stage stack in the middle of an update: no change set is made, the reason says why', async () => {
    stages('UPDATE_IN_PROGRESS');
    await assert.rejects(previewStageChanges(clients, STACK, STACK.stages[0], { id: fakeImage('b'), commit: COMMIT }, { pollMs: 5 }), /shop-dev is busy \(UPDATE_IN_PROGRESS\)/);
    assert.equal(cf.commandCalls(CreateChangeSetCommand).length, 0);
  });
});
