import * as assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderFoundation } from '../../../src/aws/foundation';
import { renderPipeline } from '../../../src/aws/pipeline';
import { renderStage, stageRulePriority, stageSecretName } from '../../../src/aws/stageTemplate';
import { loadTemplate, parseTemplate, templateBody, templatesDir, TEMPLATE_BODY_LIMIT } from '../../../src/aws/templates';
import { TempDirs } from '../core/support/tempDir';
import { cfnLint, type CfnLintMatch } from './support/cfnLint';
import { fakeFoundation, fakeImage, stackFromYaml } from './support/stacks';

const STACK = `
stack: shop
service:
  port: 3000
  healthCheck: /healthz
stages:
  - name: dev
    provider: aws
    env:
      LOG_LEVEL: debug
      STRIPE_KEY: { secret: stripe-key }
  - name: prod
    provider: aws
    database: postgres
    loadBalancer: true
    requireApproval: true
    approvalTimeout: 3d
    env:
      LOG_LEVEL: info
    origins: [https://a.example.com, https://b.example.com, https://c.example.com, https://d.example.com, https://e.example.com, https://f.example.com, http://localhost:5173]
`;

/**
 * cfn-lint findings the templates keep on purpose, each with the reason (README: AWS templates).
 */
const CFN_LINT_JUSTIFIED: Array<{ rule: string; file: RegExp; message: RegExp; why: string }> = [
  {
    rule: 'W1030',
    file: /foundation\.(yaml|json)$/,
    message: /^'' is not a 'AWS::EC2::Subnet\.Id'/,
    why: 'the load balancer takes PublicSubnetIds only in the imported-VPC branch of Fn::If [CreateVpc, …]; cfn-lint resolves that Ref to its empty default although the branch deploys only with VpcId set, when the ImportedVpcHasSubnets rule requires the subnets',
  },
];

describe('aws templates', () => {
  const temp = new TempDirs();
  after(() => temp.cleanup());

  it('every template, every rendered stage and the rendered pipeline pass cfn-lint with no error', async function () {
    // cfn-lint takes several seconds to start; one run covers every file.
    this.timeout(120_000);
    const dir = templatesDir();
    const files = readdirSync(dir)
      .filter(f => /\.(ya?ml|json)$/.test(f))
      .map(f => join(dir, f));
    assert.ok(files.length >= 2, `templates found in ${dir}: ${files.join(', ')}`);

    const out = temp.make();
    const stack = stackFromYaml(STACK);
    for (const stage of stack.stages) {
      const rendered = renderStage({ stack, stage, imageUri: fakeImage(), commit: '0123456789abcdef0123456789abcdef01234567', foundation: fakeFoundation() });
      const file = join(out, `${stage.name}.template.json`);
      writeFileSync(file, templateBody(rendered.template));
      files.push(file);
    }

    // The pipeline as deployed: S3 snapshots, and a CodeStar connection.
    const pipelines = {
      's3.pipeline.json': renderPipeline(stack, { bundle: { bucket: 'shop-artifacts', key: 'stagecraft/0.1.0-0123456789abcdef.tgz', sha256: 'ab'.repeat(32) } }),
      'connection.pipeline.json': renderPipeline(stack, { connection: { arn: 'arn:aws:codeconnections:us-east-1:123456789012:connection/0d1e2f3a-1111-2222-3333-444455556666', repository: 'acme/shop', branch: 'main' } }),
    };
    for (const [name, rendered] of Object.entries(pipelines)) {
      const file = join(out, name);
      writeFileSync(file, templateBody(rendered.template));
      files.push(file);
    }

    // The foundation as deployed: defaults (new VPC, HTTP), HTTPS for a domain, and an imported VPC.
    const foundations = {
      'default.foundation.json': renderFoundation(stack),
      'https.foundation.json': renderFoundation(stack, { certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0d1e2f3a-1111-2222-3333-444455556666', domain: 'shop.example.com' }),
    };
    for (const [name, rendered] of Object.entries(foundations)) {
      const file = join(out, name);
      writeFileSync(file, templateBody(rendered.template));
      files.push(file);
    }

    // Informational checks included (--include-checks I): every finding fails unless justified here.
    const matches: CfnLintMatch[] = await cfnLint(files, ['--include-checks', 'I']);
    const describe = (m: CfnLintMatch) => `${m.Filename}:${m.Location.Start.LineNumber}:${m.Location.Start.ColumnNumber} ${m.Rule.Id} ${m.Message}`;
    const unjustified = matches.filter(m => !CFN_LINT_JUSTIFIED.some(j => j.rule === m.Rule.Id && j.file.test(m.Filename) && j.message.test(m.Message)));
    assert.deepEqual(unjustified.map(describe), [], 'cfn-lint findings (errors, warnings, informational) without a justification');
    for (const m of matches.filter(m => !unjustified.includes(m))) console.log(`    cfn-lint ${m2s(m.Level)} (justified): ${describe(m)}`);
  });

  it('cfn-lint catches a broken template (the check can fail)', async function () {
    this.timeout(120_000);
    const file = join(temp.make(), 'broken.yaml');
    writeFileSync(file, 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      NoSuchProperty: 1\n');
    const matches = await cfnLint([file]);
    assert.ok(matches.some(m => m.Level === 'Error'), JSON.stringify(matches));
  });

  it('templates are plain YAML in the long form (no ! tags)', () => {
    assert.throws(() => parseTemplate('Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Ref X\n', 'x.yaml'), /long form/);
    for (const name of ['stage', 'pipeline'] as const) assert.ok(loadTemplate(name).Resources);
  });

  it('renders a stage: parameters, tags, env, secrets by ARN, origin rules of at most five values', () => {
    const stack = stackFromYaml(STACK);
    const [dev, prod] = stack.stages;
    const image = fakeImage('b');
    const r = renderStage({ stack, stage: dev, imageUri: image, commit: 'abcdef1', artifact: 'art123', foundation: fakeFoundation() });
    assert.equal(r.stackName, 'shop-dev');
    assert.deepEqual(r.parameters, {
      StackName: 'shop',
      StageName: 'dev',
      ClusterName: 'shop',
      CommitHash: 'abcdef1',
      ImageUri: image,
      ContainerPort: '3000',
      HealthCheckPath: '/healthz',
      DatabaseEngine: 'none',
      AllowedOrigins: '',
      // The foundation's network, listener and load balancer; routed by path without a domain.
      VpcId: 'vpc-0a1b2c3d4e5f60718',
      SubnetIds: 'subnet-0a1b2c3d4e5f60711,subnet-0a1b2c3d4e5f60712',
      DatabaseSubnetIds: 'subnet-0a1b2c3d4e5f60713,subnet-0a1b2c3d4e5f60714',
      ListenerArn: fakeFoundation().listenerArn,
      LoadBalancerSecurityGroupId: 'sg-0a1b2c3d4e5f60719',
      LoadBalancerFullName: 'app/shop/50dc6c495c0c9188',
      RoutingHost: '',
      RoutingPath: '/dev',
      BaseUrl: 'http://shop-1234567890.us-east-1.elb.amazonaws.com/dev/',
    });
    assert.deepEqual(r.tags, { 'stagecraft:stack': 'shop', 'stagecraft:stage': 'dev', 'stagecraft:commit': 'abcdef1', 'stagecraft:artifact': 'art123' });
    const container = r.template.Resources.TaskDefinition.Properties!.ContainerDefinitions[0];
    assert.deepEqual(container.Environment.at(-1), { Name: 'LOG_LEVEL', Value: 'debug' });
    // ECS reads a bare name as an SSM parameter: a Secrets Manager secret is named by its (partial) ARN.
    assert.deepEqual(container.Secrets.at(-1), { Name: 'STRIPE_KEY', ValueFrom: { 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${stageSecretName('shop', 'dev', 'stripe-key')}` } });
    // Database user and password come from single keys of the generated secret.
    const names = container.Secrets.map((s: { 'Fn::If'?: [string, { Name: string }] }) => s['Fn::If']?.[1].Name).filter(Boolean);
    assert.deepEqual(names, ['PG_CREDENTIALS_SECRET', 'PG_USER', 'PG_USERNAME', 'PG_PASSWORD']);
    assert.ok(templateBody(r.template).length < TEMPLATE_BODY_LIMIT);

    const p = renderStage({ stack, stage: prod, imageUri: image, commit: 'abcdef1', foundation: fakeFoundation({ domain: 'shop.example.com', scheme: 'https' }) });
    // With a domain: routed by host name, over HTTPS.
    assert.equal(p.parameters.RoutingHost, 'prod.shop.example.com');
    assert.equal(p.parameters.BaseUrl, 'https://prod.shop.example.com/');
    assert.equal(p.parameters.DatabaseEngine, 'postgres');
    assert.equal(p.parameters.AllowedOrigins.split(',').length, 7);
    // A rule takes five condition values: the host takes one, so four origins per allow rule; the
    // stage's block of ten priorities on the shared listener: allow rules first, reject, forward.
    const first = stageRulePriority(stack, 'prod');
    const rules = Object.entries(p.template.Resources).filter(([, r]) => r.Type === 'AWS::ElasticLoadBalancingV2::ListenerRule');
    assert.deepEqual(
      rules.map(([id, r]) => [id, r.Properties!.Priority - first, r.Properties!.Conditions[1]?.HttpHeaderConfig.Values.length]),
      [
        ['OriginRejectRule', 8, 1],
        ['ForwardRule', 9, undefined],
        ['OriginAllowRule', 0, 4],
        ['OriginAllowRule2', 1, 3],
      ],
    );
    assert.notEqual(stageRulePriority(stack, 'dev'), first, 'each stage has its own block of priorities');
    // Without origins there is no allow rule: any Origin is refused at the load balancer.
    assert.ok(!('OriginAllowRule' in r.template.Resources));
  });

  it('refuses what CloudFormation or ECS would reject, naming the stage', () => {
    const stack = stackFromYaml(STACK);
    const [dev, prod] = stack.stages;
    assert.throws(() => renderStage({ stack, stage: dev, imageUri: 'shop:latest', commit: 'abcdef1', foundation: fakeFoundation() }), /shop\/dev: the image "shop:latest" is not addressed by digest/);
    assert.throws(() => renderStage({ stack, stage: dev, imageUri: fakeImage(), commit: 'main', foundation: fakeFoundation() }), /not a git commit hash/);
    const clash = { ...prod, env: { PG_HOST: 'elsewhere' } };
    assert.throws(() => renderStage({ stack, stage: clash, imageUri: fakeImage(), commit: 'abcdef1', foundation: fakeFoundation() }), /shop\/prod: "PG_HOST" is set by Stagecraft/);
    // Without a database the PG_ names are the stage's to use (an external database).
    assert.doesNotThrow(() => renderStage({ stack, stage: { ...dev, env: { PG_HOST: 'db.example.com' } }, imageUri: fakeImage(), commit: 'abcdef1', foundation: fakeFoundation() }));
  });
});

function m2s(level: string): string {
  return level.toLowerCase();
}
