import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateClusterCommand, DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { CreateSecretCommand, GetSecretValueCommand, ListSecretVersionIdsCommand } from '@aws-sdk/client-secrets-manager';
import { ensureFoundation } from '../../../src/aws/foundation';
import { AwsProvider } from '../../../src/aws/provider';
import { renderStage, stageSecretName, toParameterList, toTagList } from '../../../src/aws/stageTemplate';
import { templateBody } from '../../../src/aws/templates';
import { StagecraftError } from '../../../src/core/errors';
import type { Stack } from '../../../src/core/model';
import { redactor } from '../../../src/core/redact';
import { startMoto, TEST_CREDENTIALS, type Moto } from './support/moto';
import { fakeImage, stackFromYaml } from './support/stacks';

const COMMIT = 'abcdef0123456789abcdef0123456789abcdef01';

/** A throwaway password made at run time, so no secret-looking literal is committed. */
function testPassword(): string {
  return `t-${randomBytes(12).toString('hex')}`;
}

describe('aws database secret, stage secrets and logs (moto)', function () {
  this.timeout(60_000);
  let moto: Moto;
  let provider: AwsProvider;
  let stack: Stack;
  let firstPassword: string;

  before(async () => {
    moto = await startMoto();
    provider = new AwsProvider({ clientDefaults: () => ({ endpoint: moto.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS }), pollMs: 50 });
    stack = stackFromYaml(`
stack: shop
stages:
  - name: db
    provider: aws
    loadBalancer: true
    database: postgres
  - name: nodb
    provider: aws
    loadBalancer: true
  - name: orphan
    provider: aws
    loadBalancer: true
    database: postgres
`);
    // The stage stacks as a deploy leaves them. moto skips AWS::SecretsManager::Secret in templates, so the
    // secrets CloudFormation would make are made here first, and each stack's DatabaseSecretArn output
    // carries that secret's ARN, as CloudFormation's Ref would.
    const sm = await moto.clients().secretsManager();
    firstPassword = testPassword();
    const dbSecret = await sm.send(new CreateSecretCommand({ Name: 'DatabaseSecret-shopdb', SecretString: JSON.stringify({ username: 'postgres', password: firstPassword, engine: 'postgres', port: 5432 }) }));
    // A secret whose instance does not exist: RDS refuses the new password.
    const orphanSecret = await sm.send(new CreateSecretCommand({ Name: 'DatabaseSecret-orphan', SecretString: JSON.stringify({ username: 'postgres', password: testPassword(), dbInstanceIdentifier: 'no-such-instance' }) }));
    const secretOf: Record<string, string | undefined> = { db: dbSecret.ARN, orphan: orphanSecret.ARN };
    const cf = await moto.clients().cloudFormation();
    // The stack's shared foundation (VPC, cluster, load balancer), which a first deploy creates.
    const foundation = await ensureFoundation(moto.clients(), stack, { pollMs: 50 });
    for (const stage of stack.stages) {
      const r = renderStage({ stack, stage, imageUri: fakeImage(), commit: COMMIT, foundation });
      const outputs = r.template.Outputs as Record<string, { Value: unknown }>;
      if (secretOf[stage.name]) outputs.DatabaseSecretArn.Value = secretOf[stage.name];
      await cf.send(new CreateStackCommand({ StackName: r.stackName, TemplateBody: templateBody(r.template), Parameters: toParameterList(r.parameters), Tags: toTagList(r.tags), Capabilities: ['CAPABILITY_IAM'] }));
    }
  });
  after(async () => {
    await provider?.dispose();
    await moto?.stop();
  });

  it('finds the database secret by the stack’s DatabaseSecretArn output; connection details from the secret and the stack', async () => {
    const [db, nodb] = stack.stages;
    const secret = await provider.databaseSecret(stack, db);
    assert.ok(secret);
    assert.equal(secret.username, 'postgres');
    assert.equal(secret.password, firstPassword);
    assert.equal(secret.port, 5432);
    assert.equal(secret.database, 'app', 'PG_DATABASE: the DatabaseName parameter');
    assert.match(secret.host, /rds\.amazonaws\.com$/);
    assert.equal(redactor.redact(`password is ${firstPassword}`), 'password is ****', 'the password is masked in every log from now on');
    assert.equal(await provider.databaseSecret(stack, nodb), undefined);
  });

  it('rotates: new password current, old one previous, pending stage gone, a new ECS deployment', async () => {
    const db = stack.stages[0];
    const lines: string[] = [];
    await provider.rotateDatabasePassword(stack, db, { log: l => lines.push(l) });
    const after = await provider.databaseSecret(stack, db);
    assert.ok(after && after.password !== firstPassword && after.password.length >= 32);
    const sm = await moto.clients().secretsManager();
    const previous = await sm.send(new GetSecretValueCommand({ SecretId: 'DatabaseSecret-shopdb', VersionStage: 'AWSPREVIOUS' }));
    assert.equal(JSON.parse(previous.SecretString!).password, firstPassword);
    const versions = await sm.send(new ListSecretVersionIdsCommand({ SecretId: 'DatabaseSecret-shopdb' }));
    assert.ok(!versions.Versions!.some(v => v.VersionStages?.includes('AWSPENDING')), JSON.stringify(versions.Versions));
    assert.ok(lines.some(l => /new ECS deployment of db started/.test(l)), lines.join('\n'));
    for (const l of lines) assert.ok(!l.includes(after.password), 'no log line holds the password');
    const ecs = await moto.clients().ecs();
    const svc = await ecs.send(new DescribeServicesCommand({ cluster: 'shop', services: ['db'] }));
    assert.ok(svc.services![0].deployments!.length >= 1);
  });

  it('a rotation the database refuses leaves the secret as it was', async () => {
    const sm = await moto.clients().secretsManager();
    const before = await sm.send(new GetSecretValueCommand({ SecretId: 'DatabaseSecret-orphan' }));
    let err: unknown;
    try {
      await provider.rotateDatabasePassword(stack, stack.stages[2]);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof StagecraftError, String(err));
    assert.match(err.message, /shop\/orphan: set the new password on no-such-instance: .*DBInstanceNotFound/);
    const after = await sm.send(new GetSecretValueCommand({ SecretId: 'DatabaseSecret-orphan' }));
    assert.equal(after.VersionId, before.VersionId);
    const versions = await sm.send(new ListSecretVersionIdsCommand({ SecretId: 'DatabaseSecret-orphan' }));
    assert.ok(!versions.Versions!.some(v => v.VersionStages?.includes('AWSPENDING')), 'the pending value is not left behind');
  });

  it('stores a stage secret under the name the task definition reads, and replaces its value', async () => {
    const nodb = stack.stages[1];
    const first = testPassword();
    const second = testPassword();
    await provider.storeSecret(stack, nodb, 'STRIPE_KEY', first);
    await provider.storeSecret(stack, nodb, 'STRIPE_KEY', second);
    const sm = await moto.clients().secretsManager();
    const value = await sm.send(new GetSecretValueCommand({ SecretId: stageSecretName('shop', 'nodb', 'STRIPE_KEY') }));
    assert.equal(value.SecretString, second);
    assert.equal(redactor.redact(first), '****');
  });

  it('reads the app log of a stage in time order', async () => {
    const nodb = stack.stages[1];
    const logs = await moto.clients().logs();
    const group = '/stagecraft/shop/nodb/app';
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'app/app/1' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'app/app/2' }));
    const now = Date.now();
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: 'app/app/2', logEvents: [{ timestamp: now - 1000, message: 'second' }] }));
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: 'app/app/1', logEvents: [{ timestamp: now - 2000, message: 'first' }, { timestamp: now - 500, message: 'third' }] }));
    const lines: string[] = [];
    for await (const line of provider.logs(stack, nodb, { kind: 'app', follow: false, sinceMs: 60_000 })) lines.push(line.text);
    assert.deepEqual(lines, ['first', 'second', 'third']);
  });

  it('follows the log: new lines arrive once, until cancelled', async () => {
    const nodb = stack.stages[1];
    const logs = await moto.clients().logs();
    const group = '/stagecraft/shop/nodb/app';
    const controller = new AbortController();
    const got: string[] = [];
    const since = Date.now() - 100;
    const reading = (async () => {
      try {
        for await (const line of provider.logs(stack, nodb, { kind: 'app', follow: true, sinceMs: Date.now() - since }, { signal: controller.signal })) {
          got.push(line.text);
          if (got.length === 2) controller.abort();
        }
      } catch (err) {
        if (!(err instanceof StagecraftError && err.cancelled)) throw err;
      }
    })();
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: 'app/app/1', logEvents: [{ timestamp: Date.now(), message: 'live one' }] }));
    await new Promise(r => setTimeout(r, 300));
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: 'app/app/2', logEvents: [{ timestamp: Date.now(), message: 'live two' }] }));
    await reading;
    assert.deepEqual(got, ['live one', 'live two']);
  });

  it('the access log of a load-balancer stage says where it is instead', async () => {
    const iterator = provider.logs(stack, stack.stages[1], { kind: 'access', follow: false })[Symbol.asyncIterator]();
    await assert.rejects(iterator.next(), /access log is kept for HTTP API stages only/);
  });
});
