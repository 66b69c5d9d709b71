import * as assert from 'node:assert/strict';
import { CloudFormationClient, DescribeStackResourcesCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, CreateLogStreamCommand, GetLogEventsCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTaskDefinitionFamiliesCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type ContainerDefinition,
  type Task,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsClients } from '../../../src/aws/clients';
import { runMigrationTask, type MigrationRequest } from '../../../src/aws/ecs/migrate';
import { migrationFamily, migrationTaskDefinitionInput } from '../../../src/aws/ecs/migrationTask';
import { AwsProvider } from '../../../src/aws/provider';
import { StagecraftError } from '../../../src/core/errors';
import type { Stack } from '../../../src/core/model';
import { digestOf } from '../../../src/aws/image';
import type { RunRecord, Step, StepContext } from '../../../src/core/pipeline/types';
import { pushFakeImage } from './support/ecr';
import { startMoto, TEST_CREDENTIALS, type Moto } from './support/moto';
import { fakeImage, stackFromYaml } from './support/stacks';

const COMMIT = '1111111111111111111111111111111111111111';
const OLD_IMAGE = fakeImage('a');
const NEW_IMAGE = fakeImage('b');
const ACCOUNT = '123456789012';
// Looks like a password to the redactor and to a reader; assembled here so no scanner sees one in the file.
const FAKE_PASSWORD = ['not', 'a', 'real', 'one', '42'].join('-');

function shopStack(): Stack {
  return stackFromYaml(`
stack: shop
service:
  port: 8080
  migrate: npm run migrate
stages:
  - name: dev
    provider: aws
    loadBalancer: true
    env:
      LOG_LEVEL: debug
      API_KEY: { secret: api-key }
  - name: qa
    provider: aws
    loadBalancer: true
    database: postgres
`);
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

function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return (async () => {
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise(r => setTimeout(r, 20));
    }
  })();
}

/**
 * Against moto 5.2.1: CloudFormation, ECS RegisterTaskDefinition / RunTask (FARGATE, awsvpc) /
 * DescribeTasks / StopTask / DeregisterTaskDefinition and CloudWatch Logs are real. moto's tasks
 * walk RUNNING → … → STOPPED one step per DescribeTasks and always report exit code 0; its state
 * manager (`/moto-api/state-manager`) holds a task RUNNING so a test can look at it, cancel it or
 * let it time out.
 */
describe('aws migration task (moto)', function () {
  this.timeout(60_000);
  let moto: Moto;
  let provider: AwsProvider;
  let clients: AwsClients;
  const stack = shopStack();
  const dev = stack.stages[0];
  const qa = stack.stages[1];
  let serviceTaskDefinition: string;

  before(async () => {
    moto = await startMoto();
    provider = new AwsProvider({ clientDefaults: () => ({ endpoint: moto.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS }), pollMs: 100 });
    clients = moto.clients();
    // The stage's secret is stored before its first deploy (the task definition names it by ARN).
    await provider.storeSecret(stack, dev, 'api-key', `t-${Date.now().toString(36)}`);
    await provider.deployImage(clients, stack, dev, { imageUri: OLD_IMAGE, commit: COMMIT }, {});
    serviceTaskDefinition = await makeServiceAsAwsWould('shop-dev');
  });
  after(async () => {
    await provider?.dispose();
    await moto?.stop();
  });
  afterEach(() => setTaskTransition(undefined));

  /**
   * moto's CloudFormation leaves what AWS would build from templates/stage.yaml short: the service
   * is EC2 with no network configuration, the task definition `bridge` with no roles, and the VPC
   * without DNS host names (moto then cannot give a task its network interface). This puts back what
   * AWS makes: a FARGATE/awsvpc revision of the service's own task definition, the service on the
   * stack's subnets and security group, DNS host names on. The container also gets a memory
   * reservation, without which moto cannot place any task (Fargate itself needs none).
   */
  async function makeServiceAsAwsWould(stackName: string): Promise<string> {
    const cf = await clients.cloudFormation();
    const resources = (await cf.send(new DescribeStackResourcesCommand({ StackName: stackName }))).StackResources ?? [];
    const id = (logical: string) => resources.find(r => r.LogicalResourceId === logical)?.PhysicalResourceId ?? assert.fail(`no ${logical} in ${stackName}`);
    // The network is the foundation's: the stage stack names it in its parameters (moto shows a list parameter as Python's repr).
    const params = Object.fromEntries(((await cf.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks![0].Parameters ?? []).map(p => [p.ParameterKey!, p.ParameterValue!]));
    await ec2Query({ Action: 'ModifyVpcAttribute', VpcId: params.VpcId, 'EnableDnsHostnames.Value': 'true' });
    const ecs = await clients.ecs();
    const cfnService = (await ecs.send(new DescribeServicesCommand({ cluster: 'shop', services: ['dev'] }))).services![0];
    const cfnDefinition = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: cfnService.taskDefinition }))).taskDefinition!;
    const app = cfnDefinition.containerDefinitions![0];
    const registered = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: cfnDefinition.family,
        containerDefinitions: [{ ...app, environment: app.environment?.filter(e => e), secrets: app.secrets?.filter(s => s?.valueFrom), memoryReservation: 512 }],
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/${id('TaskExecutionRole')}`,
        taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/${id('TaskRole')}`,
      }),
    );
    await ecs.send(new DeleteServiceCommand({ cluster: 'shop', service: 'dev', force: true }));
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'shop',
        serviceName: 'dev',
        taskDefinition: registered.taskDefinition!.taskDefinitionArn,
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: params.SubnetIds.replace(/[[\]' ]/g, '').split(','), securityGroups: [id('ServiceSecurityGroup')], assignPublicIp: 'ENABLED' } },
      }),
    );
    return registered.taskDefinition!.taskDefinitionArn!;
  }

  /** One EC2 Query API call (no EC2 client in this project's dependencies; moto reads the service from the credential scope). */
  async function ec2Query(params: Record<string, string>): Promise<void> {
    const res = await fetch(moto.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: new URLSearchParams({ Version: '2016-11-15', ...params }).toString(),
    });
    assert.equal(res.status, 200, await res.text());
  }

  /** Holds moto's tasks RUNNING (`hold`), or back to moto's default of one step per DescribeTasks. */
  async function setTaskTransition(hold: 'hold' | undefined): Promise<void> {
    const path = hold ? 'set-transition' : 'unset-transition';
    const body = hold ? { model_name: 'ecs::task', transition: { progression: 'manual', times: 100_000 } } : { model_name: 'ecs::task' };
    const res = await fetch(`${moto.endpoint}/moto-api/state-manager/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.ok(res.ok, `moto state manager: ${res.status}`);
  }

  /** The migration task Stagecraft started (none of `known`), as moto describes it. */
  async function startedTask(known: Set<string>): Promise<Task> {
    const ecs = await clients.ecs();
    const arn = await until('the migration task', async () => {
      const out = await ecs.send(new ListTasksCommand({ cluster: 'shop', startedBy: 'stagecraft' }));
      return out.taskArns?.find(a => !known.has(a));
    });
    known.add(arn);
    return (await ecs.send(new DescribeTasksCommand({ cluster: 'shop', tasks: [arn] }))).tasks![0];
  }

  async function definitionOf(arn: string) {
    const ecs = await clients.ecs();
    return (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))).taskDefinition!;
  }

  const seen = new Set<string>();
  const request = (over: Partial<MigrationRequest> = {}): MigrationRequest => ({ stack, stage: dev, imageUri: NEW_IMAGE, command: 'npm run migrate', pollMs: 10, ...over });

  it('skips a stage whose stack does not exist yet, saying that this deploy creates it and its database, and registers nothing', async () => {
    const lines: string[] = [];
    const result = await runMigrationTask(clients, request({ stage: qa, log: l => lines.push(l) }));
    assert.equal(result.status, 'skipped');
    assert.match(result.summary, /did NOT run: shop-qa does not exist yet/);
    assert.match(result.summary, /creates the stage and its database/);
    assert.match(result.summary, /from the app when it starts, or deploy again/);
    const ecs = await clients.ecs();
    const families = await ecs.send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: 'shop-qa' }));
    assert.deepEqual(families.families ?? [], []);
    assert.deepEqual(lines, []);
  });

  it('skips a stage that this deploy gives its database (the running version has none to migrate)', async () => {
    const result = await runMigrationTask(clients, request({ stage: { ...dev, database: 'postgres' } }));
    assert.equal(result.status, 'skipped');
    assert.match(result.summary, /did NOT run: shop-dev has no database yet, so this deploy creates it; run the migration from the app when it starts, or deploy again/);
  });

  it('runs the command once in a separate family with the new image, the service’s env, secrets, roles, logs and network; exit 0 succeeds, its output is copied redacted, the definition is deregistered', async () => {
    await setTaskTransition('hold');
    const lines: string[] = [];
    const running = runMigrationTask(clients, request({ log: l => lines.push(l) }));
    running.catch(() => undefined);
    const task = await startedTask(seen);

    // What RunTask asked for, as ECS (moto) recorded it.
    assert.equal(task.launchType, 'FARGATE');
    assert.equal(task.startedBy, 'stagecraft');
    assert.deepEqual(task.overrides?.containerOverrides, [{ name: 'app', command: ['npm run migrate'] }]);
    const service = (await (await clients.ecs()).send(new DescribeServicesCommand({ cluster: 'shop', services: ['dev'] }))).services![0];
    const subnet = task.attachments?.[0]?.details?.find(d => d.name === 'subnetId')?.value;
    assert.ok(subnet && service.networkConfiguration!.awsvpcConfiguration!.subnets!.includes(subnet), `task in ${subnet}`);

    // The one-off definition: not the service's family, the new image, the service's settings.
    const oneOff = await definitionOf(task.taskDefinitionArn!);
    const original = await definitionOf(serviceTaskDefinition);
    assert.equal(oneOff.family, 'shop-dev_migrate');
    assert.notEqual(oneOff.family, original.family);
    const [app] = oneOff.containerDefinitions!;
    const [serviceApp] = original.containerDefinitions!;
    assert.equal(app.image, NEW_IMAGE);
    assert.equal(serviceApp.image, OLD_IMAGE, 'the service keeps its image');
    assert.deepEqual(app.entryPoint, ['sh', '-c']);
    assert.deepEqual(app.environment, serviceApp.environment);
    assert.ok(app.environment!.some(e => e.name === 'LOG_LEVEL' && e.value === 'debug'));
    assert.equal(app.secrets?.length, 1);
    assert.equal(app.secrets![0].name, 'API_KEY');
    assert.match(app.secrets![0].valueFrom ?? '', /^arn:aws:secretsmanager:us-east-1:123456789012:secret:stagecraft\/shop\/dev\/api-key-[A-Za-z0-9]{6}$/, 'the secret by its full ARN');
    assert.deepEqual(app.logConfiguration, serviceApp.logConfiguration);
    assert.equal(app.portMappings?.length ?? 0, 0);
    assert.deepEqual([oneOff.cpu, oneOff.memory, oneOff.networkMode, oneOff.executionRoleArn, oneOff.taskRoleArn], [original.cpu, original.memory, 'awsvpc', original.executionRoleArn, original.taskRoleArn]);

    // The task's output, where the awslogs driver would write it.
    const logs = await clients.logs();
    const stream = `app/app/${task.taskArn!.split('/').pop()}`;
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/stagecraft/shop/dev/app', logStreamName: stream }));
    const now = Date.now();
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: '/stagecraft/shop/dev/app',
        logStreamName: stream,
        logEvents: [
          { timestamp: now, message: 'applying 002_orders.sql' },
          { timestamp: now + 1, message: `connecting with password=${FAKE_PASSWORD}` },
        ],
      }),
    );
    await setTaskTransition(undefined);

    const result = await running;
    assert.equal(result.status, 'succeeded');
    assert.match(result.summary, /"npm run migrate" exited 0 in ECS task/);
    assert.equal(result.taskArn, task.taskArn);
    assert.deepEqual(result.logLocation, { group: '/stagecraft/shop/dev/app', stream, region: 'us-east-1' });
    assert.ok(lines.includes('shop/dev:   applying 002_orders.sql'), lines.join('\n'));
    assert.ok(lines.some(l => l.includes('connecting with password=****')), lines.join('\n'));
    assert.ok(!lines.join('\n').includes(FAKE_PASSWORD), 'the password never reaches the log');
    assert.ok(lines.some(l => /migration task .*: STOPPED/.test(l)), lines.join('\n'));
    assert.equal((await definitionOf(task.taskDefinitionArn!)).status, 'INACTIVE', 'deregistered');
    assert.equal((await definitionOf(serviceTaskDefinition)).status, 'ACTIVE', 'the service’s definition is untouched');
  });

  it('cancelling stops the task and deregisters the definition', async () => {
    await setTaskTransition('hold');
    const controller = new AbortController();
    const lines: string[] = [];
    const running = runMigrationTask(clients, request({ signal: controller.signal, log: l => lines.push(l) }));
    running.catch(() => undefined);
    const task = await startedTask(seen);
    controller.abort();
    const err = await rejection(running);
    assert.equal(err.cancelled, true);
    assert.match(err.message, /shop\/dev: migration "npm run migrate" was cancelled/);
    const ecs = await clients.ecs();
    const after = (await ecs.send(new DescribeTasksCommand({ cluster: 'shop', tasks: [task.taskArn!] }))).tasks![0];
    assert.equal(after.desiredStatus, 'STOPPED');
    assert.match(after.stoppedReason ?? '', /cancelled/);
    assert.equal((await definitionOf(task.taskDefinitionArn!)).status, 'INACTIVE');
  });

  it('a task that outlives the timeout is stopped and reported with where its output is', async () => {
    await setTaskTransition('hold');
    const running = runMigrationTask(clients, request({ timeoutMs: 300, maxLogLines: 5 }));
    running.catch(() => undefined);
    const task = await startedTask(seen);
    const err = await rejection(running);
    assert.equal(err.cancelled, false);
    assert.match(err.message, /shop\/dev: the migration "npm run migrate" did not finish within 300 ms; Stagecraft stopped ECS task/);
    assert.match(err.hint ?? '', new RegExp(`/stagecraft/shop/dev/app, stream app/app/${task.taskArn!.split('/').pop()}`));
    const ecs = await clients.ecs();
    const after = (await ecs.send(new DescribeTasksCommand({ cluster: 'shop', tasks: [task.taskArn!] }))).tasks![0];
    assert.equal(after.desiredStatus, 'STOPPED');
    assert.match(after.stoppedReason ?? '', /did not finish/);
  });

  it('a run’s migrate step finds the run’s image in ECR by digest and runs the migration with it; a stage not created yet is a visible warning', async () => {
    const image = await pushFakeImage(clients, 'shop', COMMIT);
    const executor = provider.pipelineExecutor(stack);
    const lines: string[] = [];
    const context = (stage: string): StepContext => ({
      run: { commit: COMMIT } as RunRecord,
      stack,
      signal: new AbortController().signal,
      log: l => lines.push(l),
      artifact: { id: digestOf(image), commit: COMMIT },
      stageOutputs: {},
    });
    const step = (stage: string): Step => ({ id: `stage:${stage}:migrate`, kind: 'migrate', group: 'stage', stage, label: `${stage}: database migration`, command: 'npm run migrate' });

    const done = await executor.execute(step('dev'), context('dev'));
    assert.equal(done.status, 'succeeded', done.summary);
    assert.match(done.summary, /migration "npm run migrate" exited 0 in ECS task/);
    const started = lines.find(l => /started ECS task/.test(l));
    assert.ok(started, lines.join('\n'));
    const ecs = await clients.ecs();
    const arn = (await ecs.send(new ListTasksCommand({ cluster: 'shop', startedBy: 'stagecraft' }))).taskArns!.find(a => !seen.has(a) && started.includes(a.split('/').pop()!));
    assert.ok(arn, 'the task the step started');
    seen.add(arn);
    const definition = await definitionOf((await ecs.send(new DescribeTasksCommand({ cluster: 'shop', tasks: [arn] }))).tasks![0].taskDefinitionArn!);
    assert.equal(definition.containerDefinitions![0].image, image, 'the image of the run, by digest, not the one the service runs');

    const notYet = await executor.execute(step('qa'), context('qa'));
    assert.equal(notYet.status, 'warning');
    assert.match(notYet.summary, /did NOT run: shop-qa does not exist yet/);
  });
});

/**
 * What moto cannot serve: a container that exits non-zero, a task that never started, a service
 * on a capacity provider strategy. The SDK boundary is mocked with shapes from the ECS API
 * reference (DescribeServices, DescribeTaskDefinition, RunTask, DescribeTasks: Task.stopCode,
 * stoppedReason, containers[].exitCode / reason) and CloudWatch Logs GetLogEvents.
 */
describe('aws migration task (SDK boundary)', () => {
  // Made in before(), not at load: mockClient patches every client of the class at once, moto's included.
  const makeMocks = () => ({ cf: mockClient(CloudFormationClient), ecs: mockClient(ECSClient), logs: mockClient(CloudWatchLogsClient) });
  let cf: ReturnType<typeof makeMocks>['cf'];
  let ecs: ReturnType<typeof makeMocks>['ecs'];
  let logs: ReturnType<typeof makeMocks>['logs'];
  const stack = shopStack();
  const dev = stack.stages[0];
  const TASK_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:task/shop/0f9e8d7c6b5a41e3a2b1c0d9e8f7a6b5`;
  const ONE_OFF_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/shop-dev_migrate:7`;
  let clients: AwsClients;

  const app: ContainerDefinition = {
    name: 'app',
    image: OLD_IMAGE,
    essential: true,
    portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
    environment: [{ name: 'STAGE_NAME', value: 'dev' }],
    secrets: [{ name: 'PG_CREDENTIALS_SECRET', valueFrom: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:DatabaseSecret-abc` }],
    logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/stagecraft/shop/dev/app', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'app' } },
  };

  function stoppedTask(container: { exitCode?: number; reason?: string }, stopCode: Task['stopCode'], stoppedReason: string): Task {
    return {
      taskArn: TASK_ARN,
      clusterArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/shop`,
      taskDefinitionArn: ONE_OFF_ARN,
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode,
      stoppedReason,
      containers: [{ name: 'app', lastStatus: 'STOPPED', taskArn: TASK_ARN, ...container }],
    };
  }

  before(() => {
    ({ cf, ecs, logs } = makeMocks());
  });
  beforeEach(() => {
    cf.reset();
    ecs.reset();
    logs.reset();
    clients = new AwsClients({ region: 'us-east-1', credentials: TEST_CREDENTIALS });
    cf.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'shop-dev',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: [
            { OutputKey: 'ClusterName', OutputValue: 'shop' },
            { OutputKey: 'ServiceName', OutputValue: 'dev' },
          ],
        },
      ],
    });
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceName: 'dev',
          status: 'ACTIVE',
          taskDefinition: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/shop-dev:12`,
          capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
          platformVersion: 'LATEST',
          networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0a1b'], securityGroups: ['sg-0c2d'], assignPublicIp: 'DISABLED' } },
        },
      ],
      failures: [],
    });
    ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        family: 'shop-dev',
        revision: 12,
        taskDefinitionArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/shop-dev:12`,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/shop-dev-TaskExecutionRole-X`,
        taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/shop-dev-TaskRole-Y`,
        containerDefinitions: [app],
      },
    });
    ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: ONE_OFF_ARN, family: 'shop-dev_migrate', revision: 7 } });
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'PROVISIONING', desiredStatus: 'RUNNING' }], failures: [] });
    ecs.on(DeregisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: ONE_OFF_ARN, status: 'INACTIVE' } });
    ecs.on(StopTaskCommand).resolves({});
  });
  after(() => {
    cf.restore();
    ecs.restore();
    logs.restore();
  });

  it('exit code 3 fails naming the stage, the command, the exit code, the stop reason and the log stream; output copied, definition deregistered', async () => {
    ecs
      .on(DescribeTasksCommand)
      .resolvesOnce({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'PENDING' }] })
      .resolvesOnce({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'RUNNING' }] })
      .resolves({ tasks: [stoppedTask({ exitCode: 3 }, 'EssentialContainerExited', 'Essential container in task exited')], failures: [] });
    logs.on(GetLogEventsCommand).resolves({ events: [{ timestamp: 1, message: 'applying 002_orders.sql\n' }, { timestamp: 2, message: 'ERROR: relation "orders" already exists' }] });
    const lines: string[] = [];
    const err = await rejection(runMigrationTask(clients, { stack, stage: dev, imageUri: NEW_IMAGE, command: 'npm run migrate', pollMs: 1, log: l => lines.push(l) }));
    assert.match(err.message, /^shop\/dev: the migration "npm run migrate" exited 3 in ECS task 0f9e8d7c6b5a41e3a2b1c0d9e8f7a6b5 \(EssentialContainerExited: Essential container in task exited\)/);
    assert.match(err.hint ?? '', /CloudWatch Logs group \/stagecraft\/shop\/dev\/app, stream app\/app\/0f9e8d7c6b5a41e3a2b1c0d9e8f7a6b5/);
    assert.ok(lines.includes('shop/dev:   ERROR: relation "orders" already exists'), lines.join('\n'));
    assert.ok(lines.includes('shop/dev:   applying 002_orders.sql'), lines.join('\n'));

    const register = ecs.commandCalls(RegisterTaskDefinitionCommand)[0].args[0].input;
    assert.equal(register.family, migrationFamily('shop-dev'));
    assert.equal(register.containerDefinitions![0].image, NEW_IMAGE);
    assert.deepEqual(register.containerDefinitions![0].secrets, app.secrets);
    const run = ecs.commandCalls(RunTaskCommand)[0].args[0].input;
    assert.deepEqual(run.capacityProviderStrategy, [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]);
    assert.equal(run.launchType, undefined, 'a capacity provider strategy excludes a launch type');
    assert.equal(run.platformVersion, 'LATEST');
    assert.deepEqual(run.networkConfiguration, { awsvpcConfiguration: { subnets: ['subnet-0a1b'], securityGroups: ['sg-0c2d'], assignPublicIp: 'DISABLED' } });
    assert.deepEqual(run.overrides, { containerOverrides: [{ name: 'app', command: ['npm run migrate'] }] });
    assert.equal(run.taskDefinition, ONE_OFF_ARN);
    assert.equal(ecs.commandCalls(DescribeTasksCommand).length, 3, 'polled until STOPPED');
    assert.deepEqual(ecs.commandCalls(DeregisterTaskDefinitionCommand).map(c => c.args[0].input.taskDefinition), [ONE_OFF_ARN]);
    assert.equal(ecs.commandCalls(StopTaskCommand).length, 0);
  });

  it('a task that stopped before its container ran says so with ECS’s reason (no exit code)', async () => {
    ecs.on(DescribeTasksCommand).resolves({
      tasks: [stoppedTask({ reason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)' }, 'TaskFailedToStart', 'Task failed to start')],
    });
    logs.on(GetLogEventsCommand).rejects(Object.assign(new Error('The specified log stream does not exist.'), { name: 'ResourceNotFoundException' }));
    const lines: string[] = [];
    const err = await rejection(runMigrationTask(clients, { stack, stage: dev, imageUri: NEW_IMAGE, command: 'npm run migrate', pollMs: 1, log: l => lines.push(l) }));
    assert.match(err.message, /did not run: ECS task 0f9e8d7c6b5a41e3a2b1c0d9e8f7a6b5 stopped before its container exited \(TaskFailedToStart: Task failed to start: CannotPullContainerError/);
    assert.ok(lines.some(l => l.includes('wrote no output')), lines.join('\n'));
    assert.equal(ecs.commandCalls(DeregisterTaskDefinitionCommand).length, 1);
  });

  it('a failed deregistration is reported and does not hide the result', async () => {
    ecs.on(DescribeTasksCommand).resolves({ tasks: [stoppedTask({ exitCode: 0 }, 'EssentialContainerExited', 'Essential container in task exited')] });
    ecs.on(DeregisterTaskDefinitionCommand).rejects(Object.assign(new Error('User is not authorized to perform: ecs:DeregisterTaskDefinition'), { name: 'AccessDeniedException' }));
    logs.on(GetLogEventsCommand).resolves({ events: [{ timestamp: 1, message: 'nothing to migrate' }] });
    const lines: string[] = [];
    const result = await runMigrationTask(clients, { stack, stage: dev, imageUri: NEW_IMAGE, command: 'npm run migrate', pollMs: 1, log: l => lines.push(l) });
    assert.equal(result.status, 'succeeded');
    assert.ok(lines.some(l => l.includes('could not deregister the one-off task definition') && l.includes('not authorized')), lines.join('\n'));
  });

  it('refuses an image that is not addressed by digest, before any call', async () => {
    const err = await rejection(runMigrationTask(clients, { stack, stage: dev, imageUri: 'shop:latest', command: 'npm run migrate' }));
    assert.equal(err.kind, 'input');
    assert.equal(cf.commandCalls(DescribeStacksCommand).length, 0);
  });
});

describe('aws migration task definition', () => {
  it('keeps the app container’s settings, drops what only serving needs, and never lands in a service family', () => {
    const input = migrationTaskDefinitionInput(
      { family: 'shop-dev', networkMode: 'awsvpc', cpu: '512', memory: '1024', volumes: [{ name: 'cache' }, { name: 'unused' }] },
      {
        family: migrationFamily('shop-dev'),
        imageUri: NEW_IMAGE,
        tags: { 'stagecraft:stack': 'shop' },
        container: {
          name: 'app',
          image: OLD_IMAGE,
          command: ['node', 'server.js'],
          portMappings: [{ containerPort: 8080 }],
          healthCheck: { command: ['CMD-SHELL', 'curl -f localhost:8080/health'] },
          mountPoints: [{ sourceVolume: 'cache', containerPath: '/cache' }],
          environment: [{ name: 'A', value: '1' }],
        },
      },
    );
    const [c] = input.containerDefinitions!;
    assert.deepEqual([c.image, c.entryPoint, c.command, c.portMappings, c.healthCheck], [NEW_IMAGE, ['sh', '-c'], undefined, undefined, undefined]);
    assert.deepEqual(c.environment, [{ name: 'A', value: '1' }]);
    assert.deepEqual(input.volumes, [{ name: 'cache' }]);
    assert.deepEqual([input.cpu, input.memory, input.networkMode], ['512', '1024', 'awsvpc']);
    // Stage "dev-migrate" of "shop" has the service family shop-dev-migrate: no clash with dev's migrations.
    assert.notEqual(migrationFamily('shop-dev'), 'shop-dev-migrate');
    assert.match(migrationFamily('shop-dev'), /^[A-Za-z0-9_-]{1,255}$/);
  });
});
