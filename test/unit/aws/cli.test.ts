import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { TempDirs } from '../core/support/tempDir';
import { ensureCliBuilt, runCli } from '../cli/support/cli';
import { pushFakeImage } from './support/ecr';
import { startMoto, type Moto } from './support/moto';
import { fakeImage } from './support/stacks';

/**
 * The CLI (node dist/cli.js) on AWS stages against moto: the generic verbs go through the
 * provider (deploy runs the pipeline engine with the AWS executor), the AWS-only ones through
 * `stagecraft aws …`. The endpoint comes from AWS_ENDPOINT_URL, as a user would set it for LocalStack.
 */
describe('aws through the CLI (dist/cli.js, moto)', function () {
  this.timeout(120_000);
  let moto: Moto;
  let repo: string;
  let commit: string;
  let env: NodeJS.ProcessEnv;
  const temp = new TempDirs();

  before(async () => {
    ensureCliBuilt();
    moto = await startMoto();
    const home = temp.make('stagecraft-aws-cli-home-');
    env = {
      HOME: home,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      GIT_CONFIG_NOSYSTEM: '1',
      NO_COLOR: '1',
    };
    repo = temp.make('stagecraft-aws-cli-repo-');
    writeFileSync(
      join(repo, 'stagecraft.yaml'),
      ['stack: clishop', 'stages:', '  - name: dev', '    provider: aws', '    loadBalancer: true', '    env:', '      GREETING: hello', ''].join('\n'),
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

  it('aws whoami: the identity behind the calls', async () => {
    const r = await runCli(['aws', 'whoami'], repo, env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^account 123456789012$/m);
    assert.match(r.stdout, /^region us-east-1$/m);
  });

  it('aws render-stages: what the pipeline build hands to each deploy action', async () => {
    const image = fakeImage('d', '123456789012.dkr.ecr.us-east-1.amazonaws.com/clishop');
    // The build renders stages on the stack's foundation, which exists before any pipeline.
    const f = await runCli(['aws', 'foundation', 'deploy'], repo, env);
    assert.equal(f.code, 0, f.stderr);
    assert.match(f.stdout, /Foundation of clishop: created\./);
    const r = await runCli(['aws', 'render-stages', '--image', image, '--commit', commit, '--out', 'out'], repo, env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['out/dev.template.json', 'out/dev.config.json']);
    const config = JSON.parse(readFileSync(join(repo, 'out', 'dev.config.json'), 'utf8'));
    assert.equal(config.Parameters.ImageUri, image);
    assert.equal(config.Tags['stagecraft:commit'], commit);
  });

  it('status before anything is deployed, then deploy: checks of the committed source, the image for the commit, the stack', async () => {
    const before = await runCli(['status'], repo, env);
    assert.equal(before.code, 0, before.stderr);
    assert.match(before.stdout, /dev.*not deployed/);

    const image = await pushFakeImage(moto.clients(), 'clishop', commit);
    const r = await runCli(['deploy', 'dev'], repo, env);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    if (process.env.SHOW_CLI) console.log(r.stdout, r.stderr);
    assert.ok(r.stdout.includes(image.split('@')[1]), `the run names the image digest:\n${r.stdout}`);

    const cf = await moto.clients().cloudFormation();
    const s = (await cf.send(new DescribeStacksCommand({ StackName: 'clishop-dev' }))).Stacks![0];
    assert.equal(s.StackStatus, 'CREATE_COMPLETE');
    assert.equal(s.Parameters!.find(p => p.ParameterKey === 'ImageUri')?.ParameterValue, image);
    assert.equal(s.Tags!.find(t => t.Key === 'stagecraft:commit')?.Value, commit);

    const after = await runCli(['status'], repo, env);
    assert.equal(after.code, 0, after.stderr);
    assert.match(after.stdout, new RegExp(`dev.*${commit.slice(0, 7)}`));
  });

  it('aws migrate: usage and stage errors exit 2; no service.migrate is nothing to do; a stage not created yet says the migration did NOT run', async () => {
    const image = fakeImage('e', '123456789012.dkr.ecr.us-east-1.amazonaws.com/clishop');
    const usage = await runCli(['aws', 'migrate', 'dev'], repo, env);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /Expected one stage name and --image/);
    const unknown = await runCli(['aws', 'migrate', 'nope', '--image', image], repo, env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /has no AWS stage "nope"[\s\S]*Its AWS stages: dev/);
    const none = await runCli(['aws', 'migrate', 'dev', '--image', image], repo, env);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /no migration to run \(service.migrate is not set/);

    const migrating = temp.make('stagecraft-aws-cli-migrate-');
    writeFileSync(join(migrating, 'stagecraft.yaml'), ['stack: clishop', 'service:', '  migrate: npm run migrate', 'stages:', '  - name: qa', '    provider: aws', ''].join('\n'));
    const skipped = await runCli(['aws', 'migrate', 'qa', '--image', image], migrating, env);
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.match(skipped.stdout, /migration "npm run migrate" did NOT run: clishop-qa does not exist yet/);
  });

  it('a bad endpoint is reported with the setting to check, and the CLI exits non-zero at once', async () => {
    const started = Date.now();
    const r = await runCli(['aws', 'whoami'], repo, { ...env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot reach the endpoint override http:\/\/127\.0\.0\.1:9/);
    assert.ok(Date.now() - started < 20_000);
  });
});
