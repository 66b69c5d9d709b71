import * as assert from 'node:assert/strict';
import { CreateStackCommand, DescribeStacksCommand, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { CreateClusterCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { deployStack } from '../../../src/aws/cfn/deployStack';
import type { StackEventLine } from '../../../src/aws/cfn/events';
import { ensureFoundation } from '../../../src/aws/foundation';
import { AwsProvider } from '../../../src/aws/provider';
import { renderStage, toParameterList, toTagList } from '../../../src/aws/stageTemplate';
import { templateBody } from '../../../src/aws/templates';
import { StagecraftError } from '../../../src/core/errors';
import type { Stack } from '../../../src/core/model';
import type { RunRecord, Step } from '../../../src/core/pipeline/types';
import type { DeployReview } from '../../../src/core/provider';
import { pushFakeImage } from './support/ecr';
import { startMoto, TEST_CREDENTIALS, type Moto } from './support/moto';
import { stackFromYaml } from './support/stacks';

const COMMIT_1 = '1111111111111111111111111111111111111111';
const COMMIT_2 = '2222222222222222222222222222222222222222';

function shopStack(name = 'shop'): Stack {
  return stackFromYaml(`
stack: ${name}
service:
  port: 8080
stages:
  - name: dev
    provider: aws
    loadBalancer: true
    env:
      LOG_LEVEL: debug
  - name: prod
    provider: aws
    loadBalancer: true
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

/**
 * Deploys against moto: real CloudFormation change sets, stacks, tags and outputs, ECS services
 * and task definitions. moto serves the load-balancer variant of the template (it has no
 * ServiceDiscovery or API Gateway v2 in CloudFormation), so these stages use `loadBalancer: true`.
 */
describe('aws deploy (moto)', function () {
  this.timeout(60_000);
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

  async function cfnStack(name: string) {
    const cf = await moto.clients().cloudFormation();
    return (await cf.send(new DescribeStacksCommand({ StackName: name }))).Stacks![0];
  }

  /** The environment of the task definition the stage's ECS service runs (in the stack's shared cluster). */
  async function serviceEnvironment(cluster: string, service: string): Promise<Record<string, string | undefined>> {
    const ecs = await moto.clients().ecs();
    const svc = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
    const td = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: svc.services![0].taskDefinition }));
    // moto keeps the null that Fn::If/AWS::NoValue leaves in a list; AWS drops it.
    return Object.fromEntries(td.taskDefinition!.containerDefinitions![0].environment!.filter(e => e).map(e => [e.name!, e.value]));
  }

  /**
   * The container environment in the template the stack now holds (GetTemplate). After an update
   * this is where moto shows the change: its ECS keeps the service on the first revision.
   */
  async function templateEnvironment(stackName: string): Promise<Record<string, unknown>> {
    const cf = await moto.clients().cloudFormation();
    const body = (await cf.send(new GetTemplateCommand({ StackName: stackName }))).TemplateBody!;
    const container = JSON.parse(body).Resources.TaskDefinition.Properties.ContainerDefinitions[0];
    return Object.fromEntries((container.Environment as Array<{ Name?: string; Value: unknown }>).filter(e => e.Name).map(e => [e.Name!, e.Value]));
  }

  it('creates a stage from the commit’s image in ECR: change set reviewed, tags, parameters, ECS service with the stage env', async () => {
    const stack = shopStack();
    const dev = stack.stages[0];
    const image = await pushFakeImage(moto.clients(), 'shop', COMMIT_1);
    const reviews: string[][] = [];
    const lines: string[] = [];
    const status = await provider.deploy(stack, dev, { id: 'artifact-1', commit: COMMIT_1 }, {
      review: async r => {
        reviews.push(r.added.map(c => c.logicalId));
        assert.equal(r.changeSetType, 'CREATE');
        return true;
      },
      log: l => lines.push(l),
    });
    assert.equal(reviews.length, 1);
    assert.ok(reviews[0].includes('TaskDefinition') && reviews[0].includes('Service'), `added: ${reviews[0].join(', ')}`);

    const s = await cfnStack('shop-dev');
    assert.equal(s.StackStatus, 'CREATE_COMPLETE');
    const tags = Object.fromEntries(s.Tags!.map(t => [t.Key, t.Value]));
    assert.deepEqual([tags['stagecraft:stack'], tags['stagecraft:stage'], tags['stagecraft:commit'], tags['stagecraft:artifact']], ['shop', 'dev', COMMIT_1, 'artifact-1']);
    const params = Object.fromEntries(s.Parameters!.map(p => [p.ParameterKey, p.ParameterValue]));
    assert.deepEqual([params.ImageUri, params.CommitHash, params.StageName, params.RoutingPath], [image, COMMIT_1, 'dev', '/dev']);
    // The stage is a rule on the foundation's shared listener, in the foundation's VPC.
    const foundation = await cfnStack('shop-foundation');
    assert.equal(foundation.StackStatus, 'CREATE_COMPLETE');
    assert.match(params.ListenerArn, /^arn:aws:elasticloadbalancing:us-east-1:123456789012:listener\/app\//);
    assert.match(params.VpcId, /^vpc-/);
    assert.ok(lines.some(l => /no foundation yet; creating shop-foundation/.test(l)), lines.join('\n'));
    assert.equal(status.commit, COMMIT_1);
    assert.equal(status.stackStatus, 'CREATE_COMPLETE');
    assert.ok(lines.some(l => l.startsWith('shop/dev: image ') && l.includes(image)), lines.join('\n'));

    // ECS runs the task definition with the stage's environment.
    const env = await serviceEnvironment('shop', 'dev');
    assert.deepEqual([env.LOG_LEVEL, env.STAGE_NAME, env.COMMIT_HASH, String(env.PORT)], ['debug', 'dev', COMMIT_1, '8080']);
  });

  it('a deploy with nothing to change succeeds as "unchanged"', async () => {
    const stack = shopStack();
    const dev = stack.stages[0];
    const s = await cfnStack('shop-dev');
    const image = s.Parameters!.find(p => p.ParameterKey === 'ImageUri')!.ParameterValue!;
    const commit = s.Parameters!.find(p => p.ParameterKey === 'CommitHash')!.ParameterValue!;
    assert.equal(commit, COMMIT_1);
    const lines: string[] = [];
    const result = await provider.deployImage(provider.clientsFor(dev), stack, dev, { imageUri: image, commit, artifact: 'artifact-1' }, { log: l => lines.push(l) });
    assert.equal(result.outcome, 'unchanged');
    assert.ok(lines.some(l => /no changes — shop-dev is already up to date/.test(l)), lines.join('\n'));
  });

  it('updates it with a new commit, streaming each stack event once', async () => {
    const stack = shopStack();
    const dev = stack.stages[0];
    const image = await pushFakeImage(moto.clients(), 'shop', COMMIT_2);
    const events: StackEventLine[] = [];
    await provider.deploy(stack, dev, { id: image, commit: COMMIT_2 }, { onStackEvent: e => events.push(e) });
    const s = await cfnStack('shop-dev');
    assert.equal(s.StackStatus, 'UPDATE_COMPLETE');
    assert.equal(s.Parameters!.find(p => p.ParameterKey === 'CommitHash')?.ParameterValue, COMMIT_2);
    assert.equal(s.Parameters!.find(p => p.ParameterKey === 'ImageUri')?.ParameterValue, image);
    assert.deepEqual((await templateEnvironment('shop-dev')).COMMIT_HASH, { Ref: 'CommitHash' });
    const ids = events.map(e => e.id);
    assert.equal(new Set(ids).size, ids.length, 'no event twice');
    assert.deepEqual(
      events.filter(e => e.isStack).map(e => e.status),
      ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE'],
      'only this update’s events, none of the create before it',
    );
  });

  it('declining the review changes nothing', async () => {
    const stack = shopStack();
    const dev = stack.stages[0];
    const err = await rejection(provider.deploy(stack, { ...dev, env: { LOG_LEVEL: 'warn' } }, { id: 'x', commit: COMMIT_1 }, { review: async () => false }));
    assert.equal(err.cancelled, true);
    const s = await cfnStack('shop-dev');
    assert.equal(s.StackStatus, 'UPDATE_COMPLETE', 'no new operation');
    assert.equal((await templateEnvironment('shop-dev')).LOG_LEVEL, 'debug');
  });

  it('a pipeline deploy asks the prompts it was given: the review names the stage and its resources, declining cancels with nothing changed', async () => {
    const stack = shopStack();
    const dev = { ...stack.stages[0], env: { LOG_LEVEL: 'trace' } };
    const changed: Stack = { ...stack, stages: [dev, stack.stages[1]] };
    const image = (await cfnStack('shop-dev')).Parameters!.find(p => p.ParameterKey === 'ImageUri')!.ParameterValue!;
    const reviews: DeployReview[] = [];
    const executor = provider.pipelineExecutor(changed, { reviewChanges: async r => (reviews.push(r), false) });
    const step: Step = { id: 'dev:deploy', kind: 'deploy', group: 'stage', stage: 'dev', label: 'dev: deploy' };
    const run = { id: 'r1', commit: COMMIT_2 } as RunRecord;
    const err = await rejection(executor.execute(step, { run, stack: changed, signal: new AbortController().signal, log: () => undefined, artifact: { id: image, commit: COMMIT_2 }, stageOutputs: {} }));
    assert.equal(err.cancelled, true, err.message);
    assert.equal(reviews.length, 1);
    assert.equal(reviews[0].label, 'shop/dev');
    assert.equal(reviews[0].target, 'CloudFormation stack shop-dev');
    assert.equal(reviews[0].creates, false);
    assert.ok(reviews[0].changes.some(c => c.resource === 'TaskDefinition'), JSON.stringify(reviews[0].changes));
    assert.match(reviews[0].summary, /to add, .* to modify/);
    assert.equal((await cfnStack('shop-dev')).StackStatus, 'UPDATE_COMPLETE', 'no new operation');
    assert.equal((await templateEnvironment('shop-dev')).LOG_LEVEL, 'debug');
  });

  it('env and origins edits apply by updating the stack with the image it runs', async () => {
    const stack = shopStack();
    const dev = stack.stages[0];
    await provider.applyConfiguration(stack, dev, { env: { LOG_LEVEL: 'info', FEATURE_X: 'on' }, origins: ['https://app.example.com'] });
    const s = await cfnStack('shop-dev');
    assert.equal(s.Parameters!.find(p => p.ParameterKey === 'CommitHash')?.ParameterValue, COMMIT_2, 'same commit');
    assert.equal(s.Parameters!.find(p => p.ParameterKey === 'AllowedOrigins')?.ParameterValue, 'https://app.example.com');
    const env = await templateEnvironment('shop-dev');
    assert.deepEqual([env.LOG_LEVEL, env.FEATURE_X], ['info', 'on']);
  });

  it('a stage with no image for its commit says to run the pipeline', async () => {
    const stack = shopStack();
    const err = await rejection(provider.deploy(stack, stack.stages[0], { id: 'nope', commit: '3333333333333333333333333333333333333333' }));
    assert.match(err.message, /shop: no image for commit 333333333333 in the ECR repository "shop"/);
    assert.match(err.hint ?? '', /Run the pipeline/);
  });

  it('a create that CloudFormation rejects reports the reason and the stack, and the next deploy creates it', async () => {
    const clients = moto.clients();
    const bad = {
      AWSTemplateFormatVersion: '2010-09-09',
      Resources: {
        Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.1.0.0/16' } },
        Subnet: { Type: 'AWS::EC2::Subnet', Properties: { VpcId: { Ref: 'Vpc' }, CidrBlock: '192.168.0.0/24' } },
      },
    };
    const err = await rejection(deployStack(clients, { stackName: 'shop-broken', label: 'shop/broken', templateBody: JSON.stringify(bad), parameters: [], tags: toTagList({ 'stagecraft:stack': 'shop' }), pollMs: 100 }));
    assert.match(err.message, /^shop\/broken: CloudFormation did not start the creation of shop-broken: .*192\.168\.0\.0\/24/);
    // The stack only holds a change set (REVIEW_IN_PROGRESS): a corrected template creates it.
    bad.Resources.Subnet.Properties.CidrBlock = '10.1.1.0/24';
    const ok = await deployStack(clients, { stackName: 'shop-broken', label: 'shop/broken', templateBody: JSON.stringify(bad), parameters: toParameterList({}), tags: [], pollMs: 100 });
    assert.equal(ok.outcome, 'created');
    assert.equal(ok.stack.status, 'CREATE_COMPLETE');
  });

  it('destroy refuses a protected stage, and a stack with termination protection, without force', async () => {
    const stack = shopStack();
    const prod = stack.stages[1];
    assert.equal(prod.protected, true, 'prod is protected by default');
    const cf = await moto.clients().cloudFormation();
    const body = JSON.stringify({ AWSTemplateFormatVersion: '2010-09-09', Resources: { Logs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/stagecraft/shop/prod/app' } } } });
    await cf.send(new CreateStackCommand({ StackName: 'shop-prod', TemplateBody: body, EnableTerminationProtection: true }));

    const err = await rejection(provider.destroy(stack, prod));
    assert.match(err.message, /shop\/prod is protected \(the stage is protected in stagecraft\.yaml; termination protection is on for shop-prod\)/);
    assert.equal(err.kind, 'input');
    assert.equal((await cfnStack('shop-prod')).StackStatus, 'CREATE_COMPLETE', 'still there');

    // Unprotected in stagecraft.yaml, but the stack itself has termination protection: still refused.
    const err2 = await rejection(provider.destroy(stack, { ...prod, protected: false }));
    assert.match(err2.message, /termination protection is on for shop-prod/);
    assert.doesNotMatch(err2.message, /stagecraft\.yaml/);
  });

  it('destroys an unprotected stage and then reports it not deployed', async () => {
    // moto deletes the full stage template's VPC before its subnets and fails; a small stack shows the flow.
    const stack = shopStack('gone');
    const dev = stack.stages[0];
    const cf = await moto.clients().cloudFormation();
    const body = JSON.stringify({ AWSTemplateFormatVersion: '2010-09-09', Resources: { Logs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/stagecraft/gone/dev/app' } } } });
    await cf.send(new CreateStackCommand({ StackName: 'gone-dev', TemplateBody: body }));
    const lines: string[] = [];
    await provider.destroy(stack, dev, { log: l => lines.push(l) });
    assert.ok(lines.includes('gone/dev: gone-dev deleted'), lines.join('\n'));
    const status = await provider.status(stack, dev);
    assert.equal(status.kind, 'not-deployed');
    // Destroying again is not an error: there is nothing left.
    await provider.destroy(stack, dev);
  });

  it('status: commit from the tags, URL from the outputs, running/desired from ECS; an error only where a call failed', async () => {
    // A stage stack as CloudFormation leaves it after a deploy (moto computes outputs on CreateStack).
    const stack = shopStack('many');
    const dev = stack.stages[0];
    const image = await pushFakeImage(moto.clients(), 'many', COMMIT_1);
    const foundation = await ensureFoundation(moto.clients(), stack, { pollMs: 50 });
    // Its load balancer's DNS name as CloudFormation reports it (moto reports no outputs after a change set).
    const rendered = renderStage({ stack, stage: dev, imageUri: image, commit: COMMIT_1, foundation: { ...foundation, loadBalancerDnsName: 'many-1.us-east-1.elb.amazonaws.com' } });
    const cf = await moto.clients().cloudFormation();
    await cf.send(new CreateStackCommand({ StackName: rendered.stackName, TemplateBody: templateBody(rendered.template), Parameters: toParameterList(rendered.parameters), Tags: toTagList(rendered.tags), Capabilities: ['CAPABILITY_IAM'] }));
    const outputs = Object.fromEntries((await cfnStack('many-dev')).Outputs!.map(o => [o.OutputKey, o.OutputValue]));

    const elsewhere = { ...stack.stages[1], protected: false, region: 'eu west 1' };
    const results = await provider.statusAll([
      { stack, stage: dev },
      { stack, stage: elsewhere },
    ]);
    const first = results[0];
    assert.ok('status' in first, JSON.stringify(first));
    assert.equal(first.status.commit, COMMIT_1);
    assert.equal(outputs.Url, 'http://many-1.us-east-1.elb.amazonaws.com/dev/');
    assert.equal(first.status.url, outputs.Url);
    // moto's ECS never starts tasks and leaves the rollout IN_PROGRESS: deploying, 0 of 1 running.
    assert.deepEqual([first.status.kind, first.status.stackStatus, first.status.running, first.status.desired], ['deploying', 'CREATE_COMPLETE', 0, 1]);
    assert.match(first.status.detail ?? '', /CREATE_COMPLETE · 0\/1 tasks/);
    const second = results[1];
    assert.ok('error' in second, 'the stage whose region is not one gets an error');
    assert.match(second.error.message, /"eu west 1" is not an AWS region/);

    // Scaled to zero it reads as stopped (after the brief cache).
    const ecs = await moto.clients().ecs();
    await ecs.send(new UpdateServiceCommand({ cluster: 'many', service: 'dev', desiredCount: 0 }));
    assert.equal((await provider.status(stack, dev)).kind, 'deploying', 'cached for a few seconds');
    provider.invalidate();
    assert.equal((await provider.status(stack, dev)).kind, 'stopped');
  });
});
