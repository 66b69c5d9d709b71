import * as assert from 'node:assert/strict';
import { DescribeDBInstancesCommand, ModifyDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { AwsClients } from '../../../src/aws/clients';
import { rotateDatabasePassword } from '../../../src/aws/database';
import type { StackInfo } from '../../../src/aws/cfn/stacks';
import { TEST_CREDENTIALS } from './support/moto';

/**
 * ModifyDBInstance is asynchronous (RDS API reference: the new MasterUserPassword is listed in
 * PendingModifiedValues until applied). moto applies it at once, so the wait is tested here.
 */
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:DatabaseSecret-abc-Xy12Zq';

describe('aws db rotate at the SDK boundary: waits for RDS to apply the password', () => {
  // Made in before(), not at load: mockClient patches every client of the class, moto's included.
  let rds: AwsStub<any, any, any>;
  let sm: AwsStub<any, any, any>;
  let ecs: AwsStub<any, any, any>;
  before(() => {
    rds = mockClient(RDSClient);
    sm = mockClient(SecretsManagerClient);
    ecs = mockClient(ECSClient);
  });
  after(() => {
    rds.restore();
    sm.restore();
    ecs.restore();
  });

  it('moves AWSCURRENT and redeploys only once PendingModifiedValues no longer lists the password', async () => {
    const order: string[] = [];
    sm.on(GetSecretValueCommand).resolves({ ARN: SECRET_ARN, VersionId: 'v1', SecretString: JSON.stringify({ username: 'postgres', password: 'old-value-not-real', dbInstanceIdentifier: 'shop-prod-db' }) });
    sm.on(PutSecretValueCommand).callsFake(() => (order.push('pending stored'), { ARN: SECRET_ARN }));
    sm.on(UpdateSecretVersionStageCommand).callsFake(input => (order.push(`stage ${input.VersionStage}`), { ARN: SECRET_ARN }));
    rds.on(ModifyDBInstanceCommand).callsFake(() => (order.push('modify'), { DBInstance: { DBInstanceIdentifier: 'shop-prod-db', DBInstanceStatus: 'available', PendingModifiedValues: { MasterUserPassword: '****' } } }));
    let reads = 0;
    rds.on(DescribeDBInstancesCommand).callsFake(() => {
      reads++;
      order.push(`describe ${reads}`);
      return reads < 3
        ? { DBInstances: [{ DBInstanceIdentifier: 'shop-prod-db', DBInstanceStatus: 'modifying', PendingModifiedValues: { MasterUserPassword: '****' } }] }
        : { DBInstances: [{ DBInstanceIdentifier: 'shop-prod-db', DBInstanceStatus: 'available', PendingModifiedValues: {} }] };
    });
    ecs.on(UpdateServiceCommand).callsFake(() => (order.push('redeploy'), {}));
    const stack: StackInfo = {
      id: 'arn:aws:cloudformation:us-east-1:123456789012:stack/shop-prod/1',
      name: 'shop-prod',
      status: 'UPDATE_COMPLETE',
      outputs: { DatabaseSecretArn: SECRET_ARN, ClusterName: 'shop', ServiceName: 'prod', DatabaseInstanceId: 'shop-prod-db' },
      parameters: {},
      tags: {},
    } as unknown as StackInfo;
    const lines: string[] = [];
    const clients = new AwsClients({ region: 'us-east-1', credentials: TEST_CREDENTIALS });
    await rotateDatabasePassword(clients, { stackName: 'shop-prod', label: 'shop/prod', stack, log: l => lines.push(l), pollMs: 5 });
    assert.deepEqual(order, ['pending stored', 'modify', 'describe 1', 'describe 2', 'describe 3', 'stage AWSCURRENT', 'stage AWSPENDING', 'redeploy']);
    assert.ok(lines.some(l => /waiting for RDS to apply the new password to shop-prod-db \(modifying\)/.test(l)), lines.join('\n'));
    await clients.destroy();
  });
});
