import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeStacksCommand, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { BatchDeleteImageCommand, ListImagesCommand } from '@aws-sdk/client-ecr';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { TempDirs } from '../core/support/tempDir';
import { CLI, ensureCliBuilt } from '../cli/support/cli';
import { pushFakeImage } from './support/ecr';
import { startMoto, type Moto } from './support/moto';
import { motoQuery, releaseVpcForMoto, xmlValues } from './support/query';

/**
 * The default configuration end to end, through the built CLI against moto: the foundation, two
 * stages with a database and a secret on it (one VPC, one load balancer), an env change, a secret
 * change that makes a new task definition, an origins change, and everything destroyed again.
 */
describe('aws end to end with the default configuration (dist/cli.js, moto)', function () {
  this.timeout(300_000);
  let moto: Moto;
  let repo: string;
  let env: NodeJS.ProcessEnv;
  let commit: string;
  const temp = new TempDirs();

  function cli(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise(resolve => {
      const child = spawn(process.execPath, [CLI, ...args], { cwd: repo, env: { ...process.env, ...env } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', code => resolve({ code: code ?? 1, stdout, stderr }));
      child.stdin.end(input ?? '');
    });
  }
  async function ok(args: string[], input?: string): Promise<string> {
    const r = await cli(args, input);
    assert.equal(r.code, 0, `stagecraft ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }
  async function template(stackName: string): Promise<any> {
    const cf = await moto.clients().cloudFormation();
    return JSON.parse((await cf.send(new GetTemplateCommand({ StackName: stackName }))).TemplateBody!);
  }
  async function parameters(stackName: string): Promise<Record<string, string>> {
    const cf = await moto.clients().cloudFormation();
    const s = (await cf.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks![0];
    return Object.fromEntries((s.Parameters ?? []).map(p => [p.ParameterKey!, p.ParameterValue!]));
  }
  const vpcs = async () => new Set(xmlValues(await motoQuery(moto.endpoint, 'ec2', { Action: 'DescribeVpcs' }), 'vpcId'));
  const secretValue = () => `t-${randomBytes(12).toString('hex')}`;

  before(async () => {
    ensureCliBuilt();
    moto = await startMoto();
    env = {
      HOME: temp.make('stagecraft-e2e-home-'),
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      GIT_CONFIG_NOSYSTEM: '1',
      NO_COLOR: '1',
    };
    repo = temp.make('stagecraft-e2e-repo-');
    // The defaults: no certificate, no domain, no VPC given, nothing AWS-specific but `provider: aws`.
    writeFileSync(
      join(repo, 'stagecraft.yaml'),
      ['# the stack', 'stack: e2eshop', 'stages:', '  - name: dev', '    provider: aws', '    database: postgres', '  - name: qa', '    provider: aws', '    database: postgres', ''].join('\n'),
    );
    writeFileSync(join(repo, 'Dockerfile'), 'FROM node:20-slim\nCOPY server.js .\nCMD ["node", "server.js"]\n');
    writeFileSync(join(repo, 'server.js'), 'require("http").createServer((q, s) => s.end("ok")).listen(process.env.PORT)\n');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, ...env } }).trim();
    git('init', '-q');
    git('add', '.');
    git('-c', 'user.name=Jane Doe', '-c', 'user.email=jane@example.invalid', 'commit', '-qm', 'first');
    commit = git('rev-parse', 'HEAD');
  });
  after(async () => {
    await moto?.stop();
    temp.cleanup();
  });

  let vpcsBefore: Set<string>;
  it('the foundation: one VPC, the cluster, one load balancer, the image repository', async () => {
    vpcsBefore = await vpcs();
    // Before anything: who and where, no foundation yet, what each stage will cost.
    const doctor = await ok(['aws', 'doctor']);
    assert.match(doctor, /^ok {4}credentials: account 123456789012/m);
    assert.match(doctor, /^note  foundation: e2eshop-foundation not created yet/m);
    assert.match(doctor, /^ {2}dev: ~\$\d+\.\d\d .*RDS db\.t4g\.micro/m);
    assert.match(doctor, /^ {2}all stages: ~\$\d+\.\d\d a month$/m);
    const out = await ok(['aws', 'foundation', 'deploy']);
    assert.match(out, /Foundation of e2eshop: created\./);
    assert.equal((await vpcs()).size, vpcsBefore.size + 1);
    // The image the pipeline's build would push, into the foundation's repository.
    await pushFakeImage(moto.clients(), 'e2eshop', commit);
  });

  it('two stages with a database and a secret share the one VPC and load balancer', async () => {
    for (const stage of ['dev', 'qa']) {
      await ok(['env', 'set', stage, 'API_TOKEN', '--secret', '--no-apply'], secretValue());
      await ok(['deploy', stage]);
    }
    assert.equal((await vpcs()).size, vpcsBefore.size + 1, 'no VPC per stage');
    const [dev, qa] = [await parameters('e2eshop-dev'), await parameters('e2eshop-qa')];
    assert.equal(dev.ListenerArn, qa.ListenerArn, 'one listener, one load balancer');
    assert.equal(dev.VpcId, qa.VpcId);
    assert.deepEqual([dev.RoutingPath, qa.RoutingPath], ['/dev', '/qa']);
    const rds = await moto.clients().rds();
    assert.equal((await rds.send(new DescribeDBInstancesCommand({}))).DBInstances!.length, 2);
    const container = (await template('e2eshop-dev')).Resources.TaskDefinition.Properties.ContainerDefinitions[0];
    const token = container.Secrets.find((s: any) => s.Name === 'API_TOKEN');
    assert.match(token.ValueFrom, /^arn:aws:secretsmanager:us-east-1:123456789012:secret:stagecraft\/e2eshop\/dev\/API_TOKEN-[A-Za-z0-9]{6}$/);
    assert.ok(JSON.stringify(container.Environment).includes('"PGSSLMODE"'));
  });

  it('an env change updates the stage in place', async () => {
    await ok(['env', 'set', 'dev', 'GREETING', 'hello']);
    const container = (await template('e2eshop-dev')).Resources.TaskDefinition.Properties.ContainerDefinitions[0];
    assert.ok(container.Environment.some((e: any) => e.Name === 'GREETING' && e.Value === 'hello'));
  });

  it('a changed secret value makes a new task definition, so ECS starts a new deployment', async () => {
    const marker = async () => (await template('e2eshop-dev')).Resources.TaskDefinition.Properties.ContainerDefinitions[0].Environment.find((e: any) => e.Name === 'STAGECRAFT_SECRET_VERSIONS')?.Value;
    const before = await marker();
    assert.ok(before, 'the secret version marker is set');
    const value = secretValue();
    const r = await cli(['env', 'set', 'dev', 'API_TOKEN', '--secret'], value);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /to modify \([^)]*TaskDefinition|to replace \([^)]*TaskDefinition/, r.stdout);
    assert.notEqual(await marker(), before);
    assert.ok(!r.stdout.includes(value) && !r.stderr.includes(value), 'the value is never printed');
  });

  it('an origins change adds the allow rule on the shared listener', async () => {
    await ok(['origins', 'add', 'dev', 'https://app.example.com']);
    const t = await template('e2eshop-dev');
    assert.deepEqual(t.Resources.OriginAllowRule.Properties.Conditions[1].HttpHeaderConfig.Values, ['https://app.example.com']);
  });

  it('destroys both stages, then the foundation (refused while a stage uses it)', async () => {
    await ok(['destroy', 'dev']);
    const refused = await cli(['aws', 'foundation', 'destroy', '--force']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /still serves qa/);
    await ok(['destroy', 'qa']);
    const vpc = (await parameters('e2eshop-foundation')).VpcId || [...(await vpcs())].find(v => !vpcsBefore.has(v))!;
    await releaseVpcForMoto(moto.endpoint, vpc);
    // ECR refuses to delete a repository holding images, and the destroy says so rather than losing them.
    const full = await cli(['aws', 'foundation', 'destroy', '--force']);
    assert.equal(full.code, 1);
    assert.match(full.stderr, /cannot be deleted because it still contains images/);
    const ecr = await moto.clients().ecr();
    const images = (await ecr.send(new ListImagesCommand({ repositoryName: 'e2eshop' }))).imageIds!;
    await ecr.send(new BatchDeleteImageCommand({ repositoryName: 'e2eshop', imageIds: images }));
    await ok(['aws', 'foundation', 'destroy', '--force']);
    const cf = await moto.clients().cloudFormation();
    const left = (await cf.send(new DescribeStacksCommand({}))).Stacks!.filter(s => s.StackStatus !== 'DELETE_COMPLETE').map(s => s.StackName);
    assert.deepEqual(left, []);
  });
});
