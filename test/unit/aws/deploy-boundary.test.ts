import * as assert from 'node:assert/strict';
import {
  CloudFormationClient,
  CloudFormationServiceException,
  CreateChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  UpdateTerminationProtectionCommand,
  type CloudFormationClientResolvedConfig,
  type ResourceStatus,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  type Stack as CfnStack,
  type StackStatus,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { deployStack } from '../../../src/aws/cfn/deployStack';
import { monitoringMinutes } from '../../../src/aws/provider';
import { destroyStack } from '../../../src/aws/cfn/destroyStack';
import { AwsClients } from '../../../src/aws/clients';
import { StagecraftError } from '../../../src/core/errors';
import { TEST_CREDENTIALS } from './support/moto';

/**
 * What moto cannot do — resources failing asynchronously (CREATE_FAILED events, ROLLBACK_COMPLETE)
 * and UpdateTerminationProtection — at the SDK boundary, with response shapes from the
 * CloudFormation API reference (DescribeStacks, DescribeStackEvents, DescribeChangeSet).
 */
const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/shop-prod/8f0a3c10-eaf0-11e5-8451-500c5242948e';
const CHANGE_SET_ID = 'arn:aws:cloudformation:us-east-1:123456789012:changeSet/stagecraft-1/2c5e6b2a-0d4e-4f6f-9c3a-1a2b3c4d5e6f';

function missing(name: string): CloudFormationServiceException {
  return new CloudFormationServiceException({ name: 'ValidationError', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: `Stack with id ${name} does not exist` });
}

function stack(status: string, extra: Partial<CfnStack> = {}): CfnStack {
  return { StackId: STACK_ID, StackName: 'shop-prod', StackStatus: status as StackStatus, CreationTime: new Date('2026-11-22T10:00:00Z'), ...extra };
}

let clock = Date.parse('2026-11-22T10:00:00Z');
function event(logicalId: string, type: string, status: string, reason?: string): StackEvent {
  clock += 1000;
  const id = logicalId === 'shop-prod' ? `${logicalId}-${status}-${clock}` : `${logicalId}-${status}-${new Date(clock).toISOString()}`;
  return {
    StackId: STACK_ID,
    EventId: id,
    StackName: 'shop-prod',
    LogicalResourceId: logicalId,
    PhysicalResourceId: logicalId === 'shop-prod' ? STACK_ID : `${logicalId.toLowerCase()}-1`,
    ResourceType: type,
    Timestamp: new Date(clock),
    ResourceStatus: status as ResourceStatus,
    ResourceStatusReason: reason,
  };
}

async function rejection(p: Promise<unknown>): Promise<StagecraftError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof StagecraftError, `expected a StagecraftError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a failure');
}

describe('aws deploy at the SDK boundary (what moto cannot serve)', () => {
  // Stubbed only while this suite runs: other suites use the real client against moto.
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

  const request = {
    stackName: 'shop-prod',
    label: 'shop/prod',
    templateBody: '{}',
    parameters: [],
    tags: [{ Key: 'stagecraft:stack', Value: 'shop' }],
    pollMs: 5,
  };

  function changeSetReady(): void {
    cf.on(CreateChangeSetCommand).resolves({ Id: CHANGE_SET_ID, StackId: STACK_ID });
    cf.on(DescribeChangeSetCommand).resolves({
      ChangeSetId: CHANGE_SET_ID,
      StackId: STACK_ID,
      StackName: 'shop-prod',
      Status: 'CREATE_COMPLETE',
      ExecutionStatus: 'AVAILABLE',
      Changes: [
        { Type: 'Resource', ResourceChange: { Action: 'Add', LogicalResourceId: 'Service', ResourceType: 'AWS::ECS::Service', Scope: [] } },
        { Type: 'Resource', ResourceChange: { Action: 'Add', LogicalResourceId: 'DatabaseInstance', ResourceType: 'AWS::RDS::DBInstance', Scope: [] } },
      ],
    });
    cf.on(ExecuteChangeSetCommand).resolves({});
  }

  it('a failed create names the first failing resource and its reason, not the cancelled ones; events once each, in order', async () => {
    changeSetReady();
    cf.on(DescribeStacksCommand, { StackName: 'shop-prod' }).rejects(missing('shop-prod'));
    // The events CloudFormation records, newest first, growing as the create goes on.
    const history: StackEvent[] = [event('shop-prod', 'AWS::CloudFormation::Stack', 'REVIEW_IN_PROGRESS', 'User Initiated')];
    const script: StackEvent[][] = [
      [event('shop-prod', 'AWS::CloudFormation::Stack', 'CREATE_IN_PROGRESS', 'User Initiated'), event('DatabaseInstance', 'AWS::RDS::DBInstance', 'CREATE_IN_PROGRESS')],
      [event('Service', 'AWS::ECS::Service', 'CREATE_IN_PROGRESS')],
      [
        event('Service', 'AWS::ECS::Service', 'CREATE_FAILED', 'Resource handler returned message: "Invalid request provided: CreateService error: Unable to assume the service linked role."'),
        event('DatabaseInstance', 'AWS::RDS::DBInstance', 'CREATE_FAILED', 'Resource creation cancelled'),
        event('shop-prod', 'AWS::CloudFormation::Stack', 'ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to create: [DatabaseInstance, Service]. Rollback requested by user.'),
      ],
      [event('shop-prod', 'AWS::CloudFormation::Stack', 'ROLLBACK_COMPLETE')],
    ];
    let polls = 0;
    cf.on(DescribeStackEventsCommand).callsFake(() => ({ StackEvents: [...history].reverse() }));
    cf.on(DescribeStacksCommand, { StackName: STACK_ID }).callsFake(() => {
      // Each status read lets the next batch of events happen.
      const next = script[polls++];
      if (next) history.push(...next);
      return { Stacks: [stack(polls >= script.length ? 'ROLLBACK_COMPLETE' : polls >= 3 ? 'ROLLBACK_IN_PROGRESS' : 'CREATE_IN_PROGRESS')] };
    });

    const seen: string[] = [];
    const err = await rejection(deployStack(clients, { ...request, onEvent: e => seen.push(`${e.logicalId} ${e.status}`) }));
    assert.equal(
      err.message,
      'shop/prod: creating shop-prod failed at Service (AWS::ECS::Service) CREATE_FAILED: Resource handler returned message: "Invalid request provided: CreateService error: Unable to assume the service linked role." shop-prod is now in ROLLBACK_COMPLETE: it must be deleted before it can be created again.',
    );
    assert.match(err.hint ?? '', /delete and recreate/);
    assert.deepEqual(seen, [
      'shop-prod CREATE_IN_PROGRESS',
      'DatabaseInstance CREATE_IN_PROGRESS',
      'Service CREATE_IN_PROGRESS',
      'Service CREATE_FAILED',
      'DatabaseInstance CREATE_FAILED',
      'shop-prod ROLLBACK_IN_PROGRESS',
      'shop-prod ROLLBACK_COMPLETE',
    ]);
    // The change set was executed as reviewed; no UpdateTerminationProtection on a failed create.
    assert.equal(cf.commandCalls(ExecuteChangeSetCommand)[0].args[0].input.ChangeSetName, CHANGE_SET_ID);
    assert.equal(cf.commandCalls(UpdateTerminationProtectionCommand).length, 0);
  });

  it('a stack in ROLLBACK_COMPLETE is explained; confirmed, it is deleted and created again', async () => {
    cf.on(DescribeStacksCommand, { StackName: 'shop-prod' }).resolves({ Stacks: [stack('ROLLBACK_COMPLETE', { StackStatusReason: 'The following resource(s) failed to create: [Service].' })] });
    const refused = await rejection(deployStack(clients, request));
    assert.match(refused.message, /shop-prod is in ROLLBACK_COMPLETE: its first creation failed \(The following resource\(s\) failed to create: \[Service\]\.\) .*cannot be updated; it has to be deleted and created again/);
    assert.equal(refused.kind, 'input');
    assert.equal(cf.commandCalls(CreateChangeSetCommand).length, 0, 'nothing attempted without confirmation');

    // Confirmed: delete (by id), wait for DELETE_COMPLETE, then a CREATE change set.
    cf.reset();
    changeSetReady();
    cf.on(DescribeStacksCommand, { StackName: 'shop-prod' }).resolves({ Stacks: [stack('ROLLBACK_COMPLETE')] });
    let deleted = false;
    let created = false;
    cf.on(DeleteStackCommand).callsFake(() => {
      deleted = true;
      return {};
    });
    cf.on(ExecuteChangeSetCommand).callsFake(() => {
      created = true;
      return {};
    });
    cf.on(DescribeStacksCommand, { StackName: STACK_ID }).callsFake(() => ({ Stacks: [stack(created ? 'CREATE_COMPLETE' : deleted ? 'DELETE_COMPLETE' : 'ROLLBACK_COMPLETE')] }));
    cf.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    const asked: string[] = [];
    const result = await deployStack(clients, { ...request, confirmRecreate: async (s, why) => (asked.push(`${s.status}: ${why}`), true) });
    assert.equal(result.outcome, 'created');
    assert.equal(asked.length, 1);
    assert.equal(cf.commandCalls(DeleteStackCommand)[0].args[0].input.StackName, STACK_ID);
    assert.equal(cf.commandCalls(CreateChangeSetCommand)[0].args[0].input.ChangeSetType, 'CREATE');
  });

  it('a protected stage gets termination protection once its create completed', async () => {
    changeSetReady();
    cf.on(DescribeStacksCommand, { StackName: 'shop-prod' }).rejects(missing('shop-prod'));
    cf.on(DescribeStacksCommand, { StackName: STACK_ID }).resolves({ Stacks: [stack('CREATE_COMPLETE')] });
    cf.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    cf.on(UpdateTerminationProtectionCommand).resolves({ StackId: STACK_ID });
    const result = await deployStack(clients, { ...request, protectOnCreate: true });
    assert.equal(result.stack.terminationProtection, true);
    const calls = cf.commandCalls(UpdateTerminationProtectionCommand);
    assert.deepEqual(calls.map(c => c.args[0].input), [{ StackName: STACK_ID, EnableTerminationProtection: true }]);
  });

  it('a refused termination-protection call is a warning naming the stack, and the create still succeeds', async () => {
    changeSetReady();
    cf.on(DescribeStacksCommand, { StackName: 'shop-prod' }).rejects(missing('shop-prod'));
    cf.on(DescribeStacksCommand, { StackName: STACK_ID }).resolves({ Stacks: [stack('CREATE_COMPLETE')] });
    cf.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    cf.on(UpdateTerminationProtectionCommand).rejects(new CloudFormationServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'not authorized to perform: cloudformation:UpdateTerminationProtection' }));
    const lines: string[] = [];
    const result = await deployStack(clients, { ...request, protectOnCreate: true, log: l => lines.push(l) });
    assert.equal(result.outcome, 'created');
    assert.ok(lines.some(l => /warning: shop-prod was created, but turning its termination protection on failed .*update-termination-protection --enable-termination-protection --stack-name shop-prod/.test(l)), lines.join('\n'));
  });

  it('a create asks CloudFormation to delete what it made on failure, and ending in DELETE_COMPLETE is reported as a failure', async () => {
    changeSetReady();
    cf.on(DescribeStacksCommand, { StackName: 'shop-prod' }).rejects(missing('shop-prod'));
    let polls = 0;
    cf.on(DescribeStacksCommand, { StackName: STACK_ID }).callsFake(() => ({ Stacks: [stack(++polls >= 3 ? 'DELETE_COMPLETE' : 'CREATE_IN_PROGRESS')] }));
    const failed = event('Service', 'AWS::ECS::Service', 'CREATE_FAILED', 'Invalid request provided');
    cf.on(DescribeStackEventsCommand).callsFake(() => ({ StackEvents: polls >= 1 ? [failed] : [] }));
    const err = await rejection(deployStack(clients, { ...request, rollbackAlarmArns: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:a'] }));
    assert.match(err.message, /creating shop-prod failed at Service .*nothing is left behind/);
    const input = cf.commandCalls(CreateChangeSetCommand)[0].args[0].input;
    assert.equal(input.OnStackFailure, 'DELETE');
    assert.equal(input.RollbackConfiguration, undefined, 'rollback triggers apply to updates');
  });

  it('an update watches the rollback alarms for the minutes the stage asks (0 unless it is protected)', async () => {
    changeSetReady();
    cf.on(DescribeStacksCommand, { StackName: 'shop-prod' }).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cf.on(DescribeStacksCommand, { StackName: STACK_ID }).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cf.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    await deployStack(clients, { ...request, rollbackAlarmArns: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:a'], monitoringMinutes: 0 });
    const input = cf.commandCalls(CreateChangeSetCommand)[0].args[0].input;
    assert.deepEqual(input.RollbackConfiguration, { RollbackTriggers: [{ Arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:a', Type: 'AWS::CloudWatch::Alarm' }], MonitoringTimeInMinutes: 0 });
    assert.equal(input.OnStackFailure, undefined);
    assert.equal(monitoringMinutes({ protected: true }), 10);
    assert.equal(monitoringMinutes({ protected: false }), 0);
  });

  it('an update that rolls back says the previous version keeps serving', async () => {
    changeSetReady();
    cf.on(DescribeStacksCommand, { StackName: 'shop-prod' }).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cf.on(DescribeStacksCommand, { StackName: STACK_ID }).resolves({ Stacks: [stack('UPDATE_ROLLBACK_COMPLETE')] });
    cf.on(DescribeStackEventsCommand)
      .resolvesOnce({ StackEvents: [] })
      .resolves({ StackEvents: [event('Service', 'AWS::ECS::Service', 'UPDATE_FAILED', 'ECS Deployment Circuit Breaker was triggered')] });
    const err = await rejection(deployStack(clients, request));
    assert.match(err.message, /^shop\/prod: updating shop-prod failed at Service \(AWS::ECS::Service\) UPDATE_FAILED: ECS Deployment Circuit Breaker was triggered\. The update was rolled back; the previous version keeps serving\.$/);
    assert.equal(cf.commandCalls(CreateChangeSetCommand)[0].args[0].input.ChangeSetType, 'UPDATE');
  });

  it('destroying a protected stage with explicit confirmation removes termination protection first', async () => {
    let deleted = false;
    cf.on(DescribeStacksCommand, { StackName: 'shop-prod' }).resolves({ Stacks: [stack('UPDATE_COMPLETE', { EnableTerminationProtection: true })] });
    cf.on(DescribeStacksCommand, { StackName: STACK_ID }).callsFake(() => ({ Stacks: [stack(deleted ? 'DELETE_COMPLETE' : 'DELETE_IN_PROGRESS')] }));
    cf.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    cf.on(UpdateTerminationProtectionCommand).resolves({ StackId: STACK_ID });
    cf.on(DeleteStackCommand).callsFake(() => {
      deleted = true;
      return {};
    });
    const lines: string[] = [];
    assert.equal(await destroyStack(clients, { stackName: 'shop-prod', label: 'shop/prod', protectedStage: true, force: true, pollMs: 5, log: l => lines.push(l) }), 'deleted');
    const order = cf.calls().map(c => c.args[0].constructor.name).filter(n => n === 'UpdateTerminationProtectionCommand' || n === 'DeleteStackCommand');
    assert.deepEqual(order, ['UpdateTerminationProtectionCommand', 'DeleteStackCommand']);
    assert.deepEqual(cf.commandCalls(UpdateTerminationProtectionCommand)[0].args[0].input, { StackName: STACK_ID, EnableTerminationProtection: false });
    assert.ok(lines.includes('shop/prod: termination protection removed from shop-prod (confirmed)'), lines.join('\n'));
  });
});
