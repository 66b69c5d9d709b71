import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateStackCommand } from '@aws-sdk/client-cloudformation';
import {
  CodePipelineClient,
  GetPipelineStateCommand,
  ListActionExecutionsCommand,
  ListPipelineExecutionsCommand,
  PutApprovalResultCommand,
  StartPipelineExecutionCommand,
  type ActionExecutionDetail,
  type CodePipelineClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-codepipeline';
import { GetObjectCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { AwsClients } from '../../../src/aws/clients';
import { decideApproval, pendingApprovals } from '../../../src/aws/pipeline/approvals';
import { activeRuns, watchPipelineRun, type RunLine } from '../../../src/aws/pipeline/runs';
import { renderPipeline, renderStageArtifacts } from '../../../src/aws/pipeline';
import { AwsProvider } from '../../../src/aws/provider';
import { StagecraftError } from '../../../src/core/errors';
import { TempDirs } from '../core/support/tempDir';
import { startMoto, TEST_CREDENTIALS, type Moto } from './support/moto';
import { fakeImage, stackFromYaml } from './support/stacks';
import { fakeFoundation } from './support/stacks';

const STACK = `
stack: shop
service:
  dockerfile: docker/Dockerfile
stages:
  - name: dev
    provider: aws
  - name: local
    provider: local
  - name: prod
    provider: aws
    requireApproval: true
    approvalTimeout: 2d
`;

const EXEC = '3137f7cb-8d38-4c1e-9e2c-7a6a8f0b7c11';

/** An ActionExecutionDetail as ListActionExecutions returns it (CodePipeline API reference). */
function action(stageName: string, actionName: string, status: string, startMinute: number, extra: Partial<ActionExecutionDetail> = {}): ActionExecutionDetail {
  return {
    pipelineExecutionId: EXEC,
    actionExecutionId: `${stageName}-${actionName}-id`,
    pipelineVersion: 1,
    stageName,
    actionName,
    startTime: new Date(Date.UTC(2026, 10, 22, 10, startMinute)),
    lastUpdateTime: new Date(Date.UTC(2026, 10, 22, 10, startMinute, 30)),
    status: status as ActionExecutionDetail['status'],
    ...extra,
  };
}

/** GetPipelineState with the prod approval waiting (token present only while InProgress). */
function stateWithApproval(token: string) {
  return {
    pipelineName: 'shop',
    pipelineVersion: 1,
    stageStates: [
      { stageName: 'Source', latestExecution: { pipelineExecutionId: EXEC, status: 'Succeeded' as const }, actionStates: [{ actionName: 'Source', latestExecution: { status: 'Succeeded' as const } }] },
      { stageName: 'Deploy-dev', latestExecution: { pipelineExecutionId: EXEC, status: 'Succeeded' as const }, actionStates: [{ actionName: 'Deploy', latestExecution: { status: 'Succeeded' as const } }] },
      {
        stageName: 'Deploy-prod',
        latestExecution: { pipelineExecutionId: EXEC, status: 'InProgress' as const },
        actionStates: [
          { actionName: 'Approve', latestExecution: { status: 'InProgress' as const, token, lastStatusChange: new Date(Date.UTC(2026, 10, 22, 10, 5)) } },
          { actionName: 'Deploy', latestExecution: undefined },
        ],
      },
    ],
  };
}

describe('aws release pipeline', function () {
  this.timeout(60_000);

  describe('template', () => {
    it('appends one pipeline stage per AWS stage, in order, with an approval where required', () => {
      const stack = stackFromYaml(STACK);
      const bundle = { bucket: 'shop-foundation-artifactbucket-1a2b3c', key: 'stagecraft/0.1.0-0123456789abcdef.tgz', sha256: 'ab'.repeat(32) };
      const r = renderPipeline(stack, { bundle });
      assert.equal(r.stackName, 'shop-pipeline');
      const stages = r.template.Resources.Pipeline.Properties!.Stages as Array<{ Name: string; Actions: Array<Record<string, any>> }>;
      assert.deepEqual(
        // The Source action is an Fn::If (connection or S3): both branches are named Source.
        stages.map(s => [s.Name, s.Actions.map(a => a.Name ?? a['Fn::If'][2].Name).join('+')]),
        [
          ['Source', 'Source'],
          ['Build', 'Build'],
          ['Deploy-dev', 'Deploy'],
          ['Deploy-prod', 'Approve+Deploy'],
        ],
      );
      const prod = stages[3].Actions;
      assert.equal(prod[0].TimeoutInMinutes, 2 * 24 * 60);
      // Protected: deployed by the verified bundle (termination protection, rollback triggers); dev by CloudFormation's action.
      assert.deepEqual(prod[1].Configuration.ProjectName, { Ref: 'ProtectedDeployProject' });
      const dev = stages[2].Actions[0];
      assert.deepEqual(dev.Configuration.StackName, 'shop-dev');
      assert.equal(dev.Configuration.TemplatePath, 'Build::dev.template.json');
      assert.equal(dev.Configuration.TemplateConfiguration, 'Build::dev.config.json');
      // The build runs the uploaded bundle, checked by its SHA-256.
      assert.deepEqual(r.parameters, {
        StackName: 'shop',
        ImageRepositoryName: 'shop',
        Dockerfile: 'docker/Dockerfile',
        TestCommand: '',
        StagecraftBundleBucket: bundle.bucket,
        StagecraftBundleKey: bundle.key,
        StagecraftBundleSha256: bundle.sha256,
      });
      const spec = r.template.Resources.BuildProject.Properties!.Source.BuildSpec as string;
      assert.match(spec, /sha256sum -c -/);
      assert.ok(spec.indexOf('sha256sum -c -') < spec.indexOf('$STAGECRAFT scan'), 'verified before first use');
    });

    it('refuses what one pipeline cannot release', () => {
      const stack = stackFromYaml(STACK);
      assert.throws(() => renderPipeline({ ...stack, stages: stack.stages.map(s => (s.name === 'prod' ? { ...s, region: 'eu-west-1' } : s)) }, { region: 'us-east-1' }), /shop\/prod is in eu-west-1, but the pipeline deploys in us-east-1/);
      assert.throws(() => renderPipeline({ ...stack, stages: stack.stages.filter(s => s.provider === 'local') }), /no AWS stages/);
      assert.throws(() => renderPipeline({ ...stack, stages: [...stack.stages, { ...stack.stages[0], name: 'pipeline' }] }), /stage named "pipeline"/);
    });

    it('the build renders every AWS stage with one image digest, as template and template configuration', () => {
      const stack = stackFromYaml(STACK);
      const image = fakeImage('c');
      const files = renderStageArtifacts(stack, image, 'abcdef1234', fakeFoundation());
      assert.deepEqual([...files.keys()], ['dev.template.json', 'dev.config.json', 'prod.template.json', 'prod.config.json']);
      const config = JSON.parse(files.get('prod.config.json')!);
      assert.equal(config.Parameters.ImageUri, image);
      assert.equal(config.Parameters.StageName, 'prod');
      assert.deepEqual(config.Tags, { 'stagecraft:stack': 'shop', 'stagecraft:stage': 'prod', 'stagecraft:commit': 'abcdef1234' });
      assert.equal(JSON.parse(files.get('dev.config.json')!).Parameters.ImageUri, image, 'the same digest for every stage');
    });
  });

  describe('runs and approvals at the SDK boundary (moto cannot serve CodePipeline state)', () => {
    let cp: AwsStub<ServiceInputTypes, ServiceOutputTypes, CodePipelineClientResolvedConfig>;
    let clients: AwsClients;
    before(() => {
      cp = mockClient(CodePipelineClient);
    });
    beforeEach(() => {
      cp.reset();
      clients = new AwsClients({ region: 'us-east-1', credentials: TEST_CREDENTIALS });
    });
    after(() => cp.restore());

    it('idle: one ListPipelineExecutions, nothing else polled', async () => {
      cp.on(ListPipelineExecutionsCommand).resolves({ pipelineExecutionSummaries: [{ pipelineExecutionId: 'old', status: 'Succeeded', startTime: new Date() }] });
      assert.deepEqual(await activeRuns(clients, 'shop'), []);
      assert.equal(cp.calls().length, 1);
    });

    it('follows a run: each action status once, in order, the approval once, until the run ends', async () => {
      // What CodePipeline reports at each poll.
      const polls: Array<{ actions: ActionExecutionDetail[]; status: string; approval?: string }> = [
        { actions: [action('Source', 'Source', 'Succeeded', 0), action('Build', 'Build', 'InProgress', 1)], status: 'InProgress' },
        { actions: [action('Source', 'Source', 'Succeeded', 0), action('Build', 'Build', 'InProgress', 1)], status: 'InProgress' },
        {
          actions: [action('Source', 'Source', 'Succeeded', 0), action('Build', 'Build', 'Succeeded', 1, { output: { executionResult: { externalExecutionId: 'b-1', externalExecutionSummary: 'Build succeeded' } } }), action('Deploy-dev', 'Deploy', 'Succeeded', 3), action('Deploy-prod', 'Approve', 'InProgress', 5)],
          status: 'InProgress',
          approval: 'token-1',
        },
        { actions: [action('Deploy-prod', 'Approve', 'InProgress', 5)], status: 'InProgress', approval: 'token-1' },
        { actions: [action('Deploy-prod', 'Approve', 'Succeeded', 5), action('Deploy-prod', 'Deploy', 'Failed', 9, { output: { executionResult: { externalExecutionId: 'x', externalExecutionSummary: 'Stack shop-prod UPDATE_ROLLBACK_COMPLETE', errorDetails: { code: 'JobFailed', message: 'Service (AWS::ECS::Service) UPDATE_FAILED' } } } })], status: 'Failed' },
      ];
      let n = 0;
      const current = () => polls[Math.min(n, polls.length - 1)];
      cp.on(ListActionExecutionsCommand).callsFake(() => ({ actionExecutionDetails: [...current().actions].reverse() }));
      cp.on(ListPipelineExecutionsCommand).callsFake(() => {
        const status = current().status;
        return { pipelineExecutionSummaries: [{ pipelineExecutionId: 'newer', status: 'InProgress' }, { pipelineExecutionId: EXEC, status }] };
      });
      cp.on(GetPipelineStateCommand).callsFake(() => {
        const p = current();
        n++;
        return p.approval ? stateWithApproval(p.approval) : { pipelineName: 'shop', stageStates: [] };
      });

      const lines: RunLine[] = [];
      const approvals: string[] = [];
      const status = await watchPipelineRun(clients, { pipelineName: 'shop', executionId: EXEC, label: 'shop/pipeline', onLine: l => lines.push(l), onApproval: a => approvals.push(`${a.stage}:${a.token}`), pollMs: 1, maxPollMs: 5 });
      assert.equal(status, 'Failed');
      assert.deepEqual(
        lines.map(l => l.text),
        [
          'Source/Source: Succeeded',
          'Build/Build: InProgress',
          'Build/Build: Succeeded — Build succeeded',
          'Deploy-dev/Deploy: Succeeded',
          'Deploy-prod/Approve: InProgress',
          'Deploy-prod/Approve: Succeeded',
          'Deploy-prod/Deploy: Failed — Stack shop-prod UPDATE_ROLLBACK_COMPLETE — Service (AWS::ECS::Service) UPDATE_FAILED',
        ],
      );
      assert.deepEqual(lines.map(l => l.stage ?? '-'), ['-', '-', '-', 'dev', 'prod', 'prod', 'prod']);
      assert.deepEqual(approvals, ['prod:token-1']);
      // Polling stopped when the run ended: no GetPipelineState after the last status read.
      assert.equal(cp.commandCalls(GetPipelineStateCommand).length, polls.length - 1);
    });

    it('approve finds the waiting token and calls PutApprovalResult with the comment', async () => {
      cp.on(GetPipelineStateCommand).resolves(stateWithApproval('token-7'));
      cp.on(PutApprovalResultCommand).resolves({ approvedAt: new Date() });
      const pending = await pendingApprovals(clients, 'shop');
      assert.deepEqual(pending.map(p => [p.stage, p.pipelineStage, p.action, p.token, p.executionId]), [['prod', 'Deploy-prod', 'Approve', 'token-7', EXEC]]);
      await decideApproval(clients, { pipelineName: 'shop', stage: 'prod', decision: 'Approved', comment: 'checked the dashboards', label: 'shop/prod' });
      assert.deepEqual(cp.commandCalls(PutApprovalResultCommand)[0].args[0].input, {
        pipelineName: 'shop',
        stageName: 'Deploy-prod',
        actionName: 'Approve',
        token: 'token-7',
        result: { status: 'Approved', summary: 'checked the dashboards' },
      });
    });

    it('reject without a comment records who rejected; nothing waiting is a clear error', async () => {
      cp.on(GetPipelineStateCommand).resolves(stateWithApproval('token-8'));
      cp.on(PutApprovalResultCommand).resolves({});
      await decideApproval(clients, { pipelineName: 'shop', stage: 'prod', decision: 'Rejected', by: 'jane', label: 'shop/prod' });
      assert.deepEqual(cp.commandCalls(PutApprovalResultCommand)[0].args[0].input.result, { status: 'Rejected', summary: 'rejected in Stagecraft by jane' });
      await assert.rejects(decideApproval(clients, { pipelineName: 'shop', stage: 'dev', decision: 'Approved', label: 'shop/dev' }), (err: StagecraftError) => /no promotion waits for approval at dev in shop/.test(err.message) && err.kind === 'input');
    });

    it('an approval decided meanwhile says so', async () => {
      cp.on(GetPipelineStateCommand).resolves(stateWithApproval('token-9'));
      const { CodePipelineServiceException } = await import('@aws-sdk/client-codepipeline');
      cp.on(PutApprovalResultCommand).rejects(new CodePipelineServiceException({ name: 'ApprovalAlreadyCompletedException', $fault: 'client', $metadata: {}, message: 'The approval action has already been approved or rejected' }));
      await assert.rejects(decideApproval(clients, { pipelineName: 'shop', stage: 'prod', decision: 'Approved', label: 'shop/prod' }), /already decided or has expired/);
    });
  });

  describe('starting a run from the IDE (moto for S3 and CloudFormation, the SDK boundary for CodePipeline)', () => {
    let moto: Moto;
    let provider: AwsProvider;
    let cp: AwsStub<ServiceInputTypes, ServiceOutputTypes, CodePipelineClientResolvedConfig>;
    const temp = new TempDirs();
    before(async () => {
      moto = await startMoto();
      provider = new AwsProvider({ clientDefaults: () => ({ endpoint: moto.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS }), pollMs: 50 });
      cp = mockClient(CodePipelineClient);
    });
    after(async () => {
      cp?.restore();
      await provider?.dispose();
      await moto?.stop();
      temp.cleanup();
    });

    it('uploads the commit as committed to the versioned bucket and starts a run pinned to that upload', async () => {
      // A real repository with one commit and an uncommitted change that must not be released.
      const repo = temp.make('stagecraft-pipeline-repo-');
      const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
      git('init', '-q');
      writeFileSync(join(repo, 'app.js'), 'console.log("committed")\n');
      git('add', '.');
      git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-qm', 'one');
      const commit = git('rev-parse', 'HEAD');
      writeFileSync(join(repo, 'app.js'), 'console.log("not committed")\n');

      // The pipeline stack as CloudFormation leaves it (moto cannot create CodeBuild/CodePipeline from
      // a template): a versioned bucket and the outputs Stagecraft reads.
      const cf = await moto.clients().cloudFormation();
      const body = JSON.stringify({
        AWSTemplateFormatVersion: '2010-09-09',
        Resources: { ArtifactBucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'shop-pipeline-artifacts', VersioningConfiguration: { Status: 'Enabled' } } } },
        Outputs: { PipelineName: { Value: 'shop' }, ArtifactBucketName: { Value: { Ref: 'ArtifactBucket' } }, SourceObjectKey: { Value: 'source/source.zip' } },
      });
      await cf.send(new CreateStackCommand({ StackName: 'shop-pipeline', TemplateBody: body }));
      // moto's CloudFormation leaves VersioningConfiguration unapplied; AWS applies it.
      await (await moto.clients().s3()).send(new PutBucketVersioningCommand({ Bucket: 'shop-pipeline-artifacts', VersioningConfiguration: { Status: 'Enabled' } }));
      cp.on(StartPipelineExecutionCommand).resolves({ pipelineExecutionId: EXEC });

      const stack = stackFromYaml(STACK);
      const lines: string[] = [];
      const started = await provider.pipelines.run(stack, { commit, root: repo }, { log: l => lines.push(l) });
      assert.deepEqual(started, { pipelineName: 'shop', executionId: EXEC });

      const input = cp.commandCalls(StartPipelineExecutionCommand)[0].args[0].input;
      assert.equal(input.name, 'shop');
      assert.deepEqual(input.variables, [{ name: 'CommitId', value: commit }]);
      assert.equal(input.sourceRevisions?.[0].revisionType, 'S3_OBJECT_VERSION_ID');
      const s3 = await moto.clients().s3();
      const object = await s3.send(new GetObjectCommand({ Bucket: 'shop-pipeline-artifacts', Key: 'source/source.zip', VersionId: input.sourceRevisions?.[0].revisionValue }));
      assert.equal(object.Metadata?.['stagecraft-commit'], commit);
      const zip = Buffer.from(await object.Body!.transformToByteArray());
      assert.equal(zip.subarray(0, 2).toString(), 'PK');
      assert.ok(zip.includes(Buffer.from('console.log("committed")')), 'the committed content');
      assert.ok(!zip.includes(Buffer.from('not committed')), 'not the working tree');
      assert.ok(lines.some(l => l.includes(`run ${EXEC} started`)), lines.join('\n'));
    });

    it('a stage waiting for approval in the pipeline reads "awaiting approval" in the tree', async () => {
      cp.reset();
      cp.on(GetPipelineStateCommand).resolves(stateWithApproval('token-3'));
      const stack = stackFromYaml(STACK);
      const prod = stack.stages.find(s => s.name === 'prod')!;
      const dev = stack.stages.find(s => s.name === 'dev')!;
      const [p, d] = await provider.statusAll([{ stack, stage: prod }, { stack, stage: dev }]);
      assert.ok('status' in p && 'status' in d);
      assert.equal(p.status.kind, 'awaiting-approval');
      assert.match(p.status.detail ?? '', /promotion waits for approval since 2026-11-22T10:05:00.000Z/);
      assert.equal(d.status.kind, 'not-deployed', 'dev needs no approval');
      assert.equal(cp.commandCalls(GetPipelineStateCommand).length, 1, 'one state read for the stack');
    });

    it('a run for a stack without a pipeline says how to create it', async () => {
      const stack = stackFromYaml(STACK.replace('stack: shop', 'stack: nopipe'));
      await assert.rejects(provider.pipelines.run(stack, { commit: 'abc', root: '/' }), /nopipe has no release pipeline in AWS yet.*/);
    });
  });
});
