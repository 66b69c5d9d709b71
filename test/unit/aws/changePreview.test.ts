import * as assert from 'node:assert/strict';
import { DescribeStacksCommand, ListChangeSetsCommand, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { AwsProvider } from '../../../src/aws/provider';
import { join } from 'node:path';
import { buildEvidence, evidenceDigest, evidenceLines } from '../../../src/core/approval';
import type { Stack } from '../../../src/core/model';
import type { ProviderLookup } from '../../../src/core/providerModule';
import { repoWithWaitingRun } from '../core/approval/support/waitingRun';
import { pushFakeImage } from './support/ecr';
import { startMoto, TEST_CREDENTIALS, type Moto } from './support/moto';
import { stackFromYaml } from './support/stacks';

const COMMIT_1 = '1111111111111111111111111111111111111111';
const COMMIT_2 = '2222222222222222222222222222222222222222';

function shopStack(name: string, devEnv = 'debug'): Stack {
  return stackFromYaml(`
stack: ${name}
service:
  port: 8080
stages:
  - name: dev
    provider: aws
    loadBalancer: true
    env:
      LOG_LEVEL: ${devEnv}
  - name: prod
    provider: aws
    loadBalancer: true
    database: postgres
`);
}

/**
 * The approval review's change set against moto: a change set is created for the stage stack with
 * the candidate's template, read, and deleted — never executed; a stage that does not exist yet is
 * "will be created" and nothing is created to find out.
 */
describe('aws change preview for the approval review (moto)', function () {
  this.timeout(90_000);
  let moto: Moto;
  let provider: AwsProvider;
  /** The image of COMMIT_2 (ECR refuses the same tag twice). */
  let candidate: string;
  before(async () => {
    moto = await startMoto();
    provider = new AwsProvider({ clientDefaults: () => ({ endpoint: moto.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS }), pollMs: 100 });
  });
  after(async () => {
    await provider?.dispose();
    await moto?.stop();
  });

  async function stackState(name: string) {
    const cf = await moto.clients().cloudFormation();
    const s = (await cf.send(new DescribeStacksCommand({ StackName: name }))).Stacks![0];
    return { status: s.StackStatus, updated: s.LastUpdatedTime?.toISOString(), parameters: s.Parameters };
  }

  /** The stack's change sets by name (moto keeps the deploy's executed one; AWS drops it). */
  async function changeSetsOf(name: string): Promise<string[]> {
    const cf = await moto.clients().cloudFormation();
    return ((await cf.send(new ListChangeSetsCommand({ StackName: name }))).Summaries ?? []).map(c => `${c.ChangeSetName} ${c.ExecutionStatus}`);
  }

  async function liveStacks(): Promise<string[]> {
    const cf = await moto.clients().cloudFormation();
    return ((await cf.send(new ListStacksCommand({}))).StackSummaries ?? []).filter(s => s.StackStatus !== 'DELETE_COMPLETE').map(s => s.StackName!);
  }

  it('a deployed stage and a candidate that changes its env: the task definition is listed as modified, nothing is executed or left behind', async () => {
    const deployed = shopStack('shop');
    await pushFakeImage(moto.clients(), 'shop', COMMIT_1);
    await provider.deploy(deployed, deployed.stages[0], { id: 'artifact-1', commit: COMMIT_1 });
    const before = await stackState('shop-dev');
    const changeSetsBefore = await changeSetsOf('shop-dev');
    assert.ok(!changeSetsBefore.some(c => c.includes('AVAILABLE')), `no change set waits: ${changeSetsBefore.join(', ')}`);

    const image = await pushFakeImage(moto.clients(), 'shop', COMMIT_2);
    candidate = image;
    const changed = shopStack('shop', 'warn');
    const review = await provider.previewChanges(changed, changed.stages[0], { id: image, commit: COMMIT_2 });
    assert.equal(review.creates, false);
    assert.equal(review.target, 'CloudFormation stack shop-dev');
    const td = review.changes.find(c => c.resource === 'TaskDefinition');
    assert.ok(td && (td.kind === 'modify' || td.kind === 'replace'), `TaskDefinition changes: ${JSON.stringify(review.changes)}`);
    // Real CloudFormation also lists the Service (its TaskDefinition reference changes); moto's
    // change sets list only resources whose own properties change, so that is not checked here.
    assert.match(review.summary, /to modify/);

    assert.deepEqual(await changeSetsOf('shop-dev'), changeSetsBefore, 'the preview’s change set was deleted');
    assert.deepEqual(await stackState('shop-dev'), before, 'status, update time and parameters unchanged');
  });

  it('a stage that does not exist yet reads "will be created", every resource added; nothing is created', async () => {
    const stack = shopStack('shop');
    const stacksBefore = await liveStacks();
    const review = await provider.previewChanges(stack, stack.stages[1], { id: 'artifact-1', commit: COMMIT_1 });
    assert.equal(review.creates, true);
    assert.match(review.summary, /^the stage will be created: \d+ to add$/);
    assert.ok(review.changes.every(c => c.kind === 'add'));
    const names = review.changes.map(c => c.resource);
    for (const r of ['TaskDefinition', 'Service', 'DatabaseInstance']) assert.ok(names.includes(r), `${r} in ${names.join(', ')}`);
    assert.deepEqual(await liveStacks(), stacksBefore, 'no stack created or changed');
  });

  it('a stack with no foundation yet: the summary says the foundation comes first, and neither is created', async () => {
    const stack = shopStack('fresh');
    const review = await provider.previewChanges(stack, stack.stages[0], { id: 'artifact-1', commit: COMMIT_1 });
    assert.equal(review.creates, true);
    assert.match(review.summary, /will be created: \d+ to add \(and the stack's foundation fresh-foundation before it\)/);
    const names = review.changes.map(c => c.resource);
    assert.ok(names.includes('Service') && !names.includes('DatabaseInstance'), `dev has no database: ${names.join(', ')}`);
    const live = await liveStacks();
    assert.ok(!live.some(n => n.startsWith('fresh-')), `no fresh-* stack: ${live.join(', ')}`);
  });

  it('the approval evidence of a waiting promotion to an AWS stage holds the change set; the text shows it; nothing stays behind', async () => {
    const yaml = `stack: shop
service:
  port: 8080
stages:
  - name: dev
    provider: aws
    loadBalancer: true
    env:
      LOG_LEVEL: info
`;
    const repo = await repoWithWaitingRun(yaml, ['dev'], 'dev', candidate);
    try {
      const stack = stackFromYaml(yaml, join(repo.root, 'stagecraft.yaml'));
      const providers: ProviderLookup = { names: () => ['aws'], has: n => n === 'aws', module: () => undefined, get: async () => provider };
      const before = await stackState('shop-dev');
      const changeSetsBefore = await changeSetsOf('shop-dev');
      const e = (await buildEvidence(stack, 'dev', { providers }))!;
      assert.equal(e.changeSet?.unavailable, undefined, e.changeSet?.summary);
      assert.ok(e.changeSet?.changes.some(c => c.resource === 'TaskDefinition' && c.kind === 'modify'), JSON.stringify(e.changeSet));
      const text = evidenceLines(e, evidenceDigest(e));
      assert.ok(text.includes(`Change set: ${e.changeSet!.summary}`), text.join('\n'));
      assert.ok(text.some(l => /^ {2}~ modify +TaskDefinition \(AWS::ECS::TaskDefinition\)/.test(l)), text.join('\n'));
      assert.deepEqual(await changeSetsOf('shop-dev'), changeSetsBefore);
      assert.deepEqual(await stackState('shop-dev'), before);
    } finally {
      repo.remove();
    }
  });
});
