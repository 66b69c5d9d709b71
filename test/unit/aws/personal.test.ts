import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { TempDirs } from '../core/support/tempDir';
import { ensureCliBuilt, runCli } from '../cli/support/cli';
import { pushFakeImage } from './support/ecr';
import { startMoto, type Moto } from './support/moto';

/**
 * Personal stages on AWS, through the real CLI against moto: the first run on feature/alice
 * creates Alice's own CloudFormation stack (pshop-alice) from dev's settings and deploys only
 * there; once its time to live has passed (clock injected with --now), `stage expire` deletes it.
 * moto cannot delete the full stage template (it removes the VPC before its subnets), so the
 * delete path is shown on a small stack standing in for Bob's stage, as test/unit/aws/deploy.test.ts does.
 */
describe('aws: a personal stage is its own stack, created on feature/* and deleted when it expires (moto)', function () {
  this.timeout(180_000);
  let moto: Moto;
  let repo: string;
  let env: NodeJS.ProcessEnv;
  const temp = new TempDirs();
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, ...env } }).trim();

  before(async () => {
    ensureCliBuilt();
    moto = await startMoto();
    env = {
      HOME: temp.make('stagecraft-aws-personal-home-'),
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      GIT_CONFIG_NOSYSTEM: '1',
      NO_COLOR: '1',
    };
    repo = temp.make('stagecraft-aws-personal-repo-');
    writeFileSync(join(repo, 'stagecraft.yaml'), ['stack: pshop', 'stages:', '  - name: dev', '    provider: aws', '    loadBalancer: true', '  - name: prod', '    provider: aws', ''].join('\n'));
    writeFileSync(join(repo, 'Dockerfile'), 'FROM node:20-slim\nCOPY server.js .\nCMD ["node", "server.js"]\n');
    writeFileSync(join(repo, 'server.js'), 'require("http").createServer((q, s) => s.end("ok")).listen(process.env.PORT)\n');
    git('init', '-q', '-b', 'develop');
    git('config', 'user.name', 'Alice');
    git('config', 'user.email', 'alice@example.invalid');
    git('add', '.');
    git('commit', '-qm', 'first');
    git('checkout', '-q', '-b', 'feature/alice');
  });
  after(async () => {
    await moto?.stop();
    temp.cleanup();
  });

  const stackStatus = async (name: string): Promise<string> => {
    const cf = await moto.clients().cloudFormation();
    try {
      return (await cf.send(new DescribeStacksCommand({ StackName: name }))).Stacks![0].StackStatus!;
    } catch (err) {
      if (/does not exist/.test((err as Error).message)) return 'GONE';
      throw err;
    }
  };

  it('the first run on feature/alice creates the stack pshop-alice and deploys nothing else', async () => {
    await pushFakeImage(moto.clients(), 'pshop', git('rev-parse', 'HEAD'));
    const r = await runCli(['pipeline', 'run'], repo, env);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /Branch feature\/alice deploys to: alice/);
    assert.equal(await stackStatus('pshop-alice'), 'CREATE_COMPLETE');
    assert.equal(await stackStatus('pshop-dev'), 'GONE');
    assert.equal(await stackStatus('pshop-prod'), 'GONE');
  });

  const later = () => new Date(Date.now() + 8 * 86_400_000).toISOString();

  it("after its TTL, `stage expire` deletes pshop-alice and forgets the stage; not a day before", async () => {
    const early = await runCli(['stage', 'expire', '--now', new Date(Date.now() + 86_400_000).toISOString()], repo, env);
    assert.doesNotMatch(early.stdout, /alice/);
    assert.equal(await stackStatus('pshop-alice'), 'CREATE_COMPLETE');
    const r = await runCli(['stage', 'expire', '--now', later()], repo, env);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /Destroyed alice \(Alice, feature\/alice\): its time to live ran out/);
    assert.match(await stackStatus('pshop-alice'), /^(GONE|DELETE_COMPLETE)$/);
    const status = await runCli(['status', '--json'], repo, env);
    assert.deepEqual((JSON.parse(status.stdout) as { stages: { name: string }[] }).stages.map(s => s.name), ['dev', 'prod']);
  });
});
