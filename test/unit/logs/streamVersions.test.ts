import * as assert from 'node:assert/strict';
import { CreateClusterCommand, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { StreamVersions, tagWithStreamVersions, taskIdOfStream } from '../../../src/aws/logs';
import type { LogLine } from '../../../src/core/provider';
import { startMoto, type Moto } from '../aws/support/moto';

/**
 * Which version wrote an AWS app line, against moto's ECS: the line's stream names the task
 * (`app/app/<task id>`), the task its definition revision, the revision its COMMIT_HASH.
 */
describe('aws logs: the version of a line from its stream (moto)', function () {
  this.timeout(60_000);
  let moto: Moto;

  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });

  /** One EC2 Query API call (no EC2 client in this project's dependencies; moto reads the service from the credential scope). */
  async function ec2Query(params: Record<string, string>): Promise<string> {
    const res = await fetch(moto.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0' },
      body: new URLSearchParams({ Version: '2016-11-15', ...params }).toString(),
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    return text;
  }

  /** A task of a revision whose COMMIT_HASH is `commit` (or none), as the stage's service runs it. */
  async function taskOf(commit: string | undefined, subnet: string, group: string): Promise<string> {
    const ecs = await moto.clients().ecs();
    const td = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'shop-dev',
        containerDefinitions: [{ name: 'app', image: 'repo@sha256:' + '0'.repeat(64), memoryReservation: 512, environment: commit ? [{ name: 'COMMIT_HASH', value: commit }] : [] }],
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
      }),
    );
    const run = await ecs.send(
      new RunTaskCommand({ cluster: 'shop', taskDefinition: td.taskDefinition!.taskDefinitionArn, launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets: [subnet], securityGroups: [group], assignPublicIp: 'ENABLED' } } }),
    );
    assert.deepEqual(run.failures ?? [], []);
    return run.tasks![0].taskArn!.split('/').pop()!;
  }

  it('tags each line with the commit of the task that wrote it, asking ECS once per task', async () => {
    const vpc = /<vpcId>([^<]+)<\/vpcId>/.exec(await ec2Query({ Action: 'CreateVpc', CidrBlock: '10.0.0.0/16' }))![1];
    // Without DNS host names moto cannot give a FARGATE task its network interface (AWS's default VPCs have them).
    await ec2Query({ Action: 'ModifyVpcAttribute', VpcId: vpc, 'EnableDnsHostnames.Value': 'true' });
    const subnet = /<subnetId>([^<]+)<\/subnetId>/.exec(await ec2Query({ Action: 'CreateSubnet', VpcId: vpc, CidrBlock: '10.0.1.0/24' }))![1];
    const group = /<groupId>([^<]+)<\/groupId>/.exec(await ec2Query({ Action: 'CreateSecurityGroup', GroupName: 'service', GroupDescription: 'service', VpcId: vpc }))![1];
    await (await moto.clients().ecs()).send(new CreateClusterCommand({ clusterName: 'shop' }));
    const oldTask = await taskOf('a'.repeat(40), subnet, group);
    const newTask = await taskOf('b'.repeat(40), subnet, group);
    const bare = await taskOf(undefined, subnet, group);
    assert.equal(taskIdOfStream(`app/app/${oldTask}`), oldTask);
    assert.equal(taskIdOfStream('some-other-stream'), undefined);

    const calls: string[] = [];
    const clients = moto.clients();
    // Every call the tagging makes, counted on its way through the real clients.
    const counted = new Proxy(clients, {
      get(target, prop) {
        if (prop === 'call') {
          return <T>(action: string, signal: AbortSignal | undefined, run: (o: { abortSignal?: AbortSignal }) => Promise<T>) => {
            calls.push(action);
            return target.call(action, signal, run);
          };
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    async function* events(): AsyncGenerator<LogLine> {
      yield { time: 1, text: 'old', stream: `app/app/${oldTask}` };
      yield { time: 2, text: 'new', stream: `app/app/${newTask}` };
      yield { time: 3, text: 'old again', stream: `app/app/${oldTask}` };
      yield { time: 4, text: 'no commit in its definition', stream: `app/app/${bare}` };
      yield { time: 5, text: 'a stream of no task', stream: 'api-gateway/xyz' };
      yield { time: 6, text: 'a task ECS does not know', stream: `app/app/${'f'.repeat(32)}` };
    }
    const out: LogLine[] = [];
    for await (const line of tagWithStreamVersions(events(), new StreamVersions(counted, 'shop'))) out.push(line);
    assert.deepEqual(
      out.map(l => `${l.text}: ${l.version ?? '-'}`),
      ['old: aaaaaaaaaaaa', 'new: bbbbbbbbbbbb', 'old again: aaaaaaaaaaaa', 'no commit in its definition: shop-dev:3', 'a stream of no task: -', 'a task ECS does not know: -'],
    );
    assert.equal(calls.filter(c => /which version task/.test(c)).length, 4, 'one DescribeTasks per task');
  });
});
