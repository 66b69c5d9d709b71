import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CloudFormationClient,
  CloudFormationServiceException,
  CreateChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  UpdateTerminationProtectionCommand,
  type CloudFormationClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  type StackStatus,
} from '@aws-sdk/client-cloudformation';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { AWS_COMMANDS } from '../../../src/aws/cli';
import { AwsClients } from '../../../src/aws/clients';
import { renderStageArtifacts } from '../../../src/aws/pipeline/buildArtifacts';
import { deployRenderedStage } from '../../../src/aws/pipeline/protectedDeploy';
import { findCommand } from '../../../src/cli/main';
import { TempDirs } from '../core/support/tempDir';
import { TEST_CREDENTIALS } from './support/moto';
import { fakeFoundation, fakeImage, stackFromYaml } from './support/stacks';

/**
 * The pipeline's deploy of a protected stage (`stagecraft aws deploy-rendered`, run by the
 * ProtectedDeploy CodeBuild action): termination protection on create, the stage's alarms as
 * rollback triggers on update, CloudFormation acting as the pipeline's DeployRole. At the SDK
 * boundary: moto neither stores RollbackConfiguration nor serves UpdateTerminationProtection.
 * Response shapes from the CloudFormation API reference.
 */
const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/shop-prod/8f0a3c10-eaf0-11e5-8451-500c5242948e';
const CHANGE_SET_ID = 'arn:aws:cloudformation:us-east-1:123456789012:changeSet/stagecraft-1/2c5e6b2a-0d4e-4f6f-9c3a-1a2b3c4d5e6f';
const ROLE = 'arn:aws:iam::123456789012:role/shop-pipeline-DeployRole-1A2B3C4D5E6F';
const ALARMS = ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:shop-prod-5xx', 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:shop-prod-unhealthy'];

const stack = stackFromYaml(`
stack: shop
stages:
  - name: dev
    provider: aws
  - name: prod
    provider: aws
    protected: true
    env:
      LOG_LEVEL: info
`);

describe('aws deploy-rendered: the pipeline’s protected deploys (SDK boundary)', () => {
  const temp = new TempDirs();
  let cf: AwsStub<ServiceInputTypes, ServiceOutputTypes, CloudFormationClientResolvedConfig>;
  let clients: AwsClients;
  let dir: string;
  before(() => {
    cf = mockClient(CloudFormationClient);
    dir = temp.make('stagecraft-rendered-');
    for (const [name, content] of renderStageArtifacts(stack, fakeImage(), '0123456789abcdef0123456789abcdef01234567', fakeFoundation())) writeFileSync(join(dir, name), content);
  });
  after(() => {
    cf.restore();
    temp.cleanup();
  });
  beforeEach(() => {
    cf.reset();
    clients = new AwsClients({ region: 'us-east-1', credentials: TEST_CREDENTIALS });
    cf.on(CreateChangeSetCommand).resolves({ Id: CHANGE_SET_ID, StackId: STACK_ID });
    cf.on(DescribeChangeSetCommand).resolves({ ChangeSetId: CHANGE_SET_ID, StackId: STACK_ID, StackName: 'shop-prod', Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE', Changes: [] });
    cf.on(ExecuteChangeSetCommand).resolves({});
    cf.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    cf.on(UpdateTerminationProtectionCommand).resolves({ StackId: STACK_ID });
  });
  const prod = stack.stages.find(s => s.name === 'prod')!;
  const cfnStack = (status: string, outputs: Record<string, string> = {}) => ({
    StackId: STACK_ID,
    StackName: 'shop-prod',
    StackStatus: status as StackStatus,
    CreationTime: new Date('2026-11-22T10:00:00Z'),
    Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
  });

  it('is a CLI verb', () => {
    assert.deepEqual(findCommand(['aws', 'deploy-rendered', 'prod'], AWS_COMMANDS).command?.path, ['aws', 'deploy-rendered']);
  });

  it('creates the stack from the build’s files as DeployRole, then turns termination protection on', async () => {
    cf.on(DescribeStacksCommand, { StackName: 'shop-prod' }).rejects(new CloudFormationServiceException({ name: 'ValidationError', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Stack with id shop-prod does not exist' }));
    cf.on(DescribeStacksCommand, { StackName: STACK_ID }).resolves({ Stacks: [cfnStack('CREATE_COMPLETE')] });
    const result = await deployRenderedStage(clients, stack, prod, dir, { roleArn: ROLE, pollMs: 5 });
    assert.equal(result.outcome, 'created');
    const input = cf.commandCalls(CreateChangeSetCommand)[0].args[0].input;
    assert.equal(input.ChangeSetType, 'CREATE');
    assert.equal(input.RoleARN, ROLE);
    assert.equal(input.OnStackFailure, 'DELETE');
    assert.ok(input.Parameters?.some(p => p.ParameterKey === 'ImageUri' || p.ParameterKey === 'Image'), `the parameters of prod.config.json: ${JSON.stringify(input.Parameters?.map(p => p.ParameterKey))}`);
    assert.ok(input.Tags?.some(t => t.Key === 'stagecraft:stack' && t.Value === 'shop'));
    assert.match(String(input.TemplateBody), /AWS::ECS::TaskDefinition/);
    assert.deepEqual(cf.commandCalls(UpdateTerminationProtectionCommand).map(c => c.args[0].input), [{ StackName: STACK_ID, EnableTerminationProtection: true }]);
  });

  it('updates with the stage’s alarms as rollback triggers and its 10-minute bake', async () => {
    cf.on(DescribeStacksCommand).resolves({ Stacks: [cfnStack('UPDATE_COMPLETE', { AlarmArns: ALARMS.join(',') })] });
    const result = await deployRenderedStage(clients, stack, prod, dir, { roleArn: ROLE, pollMs: 5 });
    assert.equal(result.outcome, 'updated');
    const input = cf.commandCalls(CreateChangeSetCommand)[0].args[0].input;
    assert.equal(input.ChangeSetType, 'UPDATE');
    assert.deepEqual(input.RollbackConfiguration, { RollbackTriggers: ALARMS.map(Arn => ({ Arn, Type: 'AWS::CloudWatch::Alarm' })), MonitoringTimeInMinutes: 10 });
  });

  it('names the missing file when the build did not render the stage', async () => {
    await assert.rejects(deployRenderedStage(clients, stack, { ...prod, name: 'staging' }, dir), /staging\.template\.json is missing; the build writes it with `stagecraft aws render-stages`/);
  });
});
