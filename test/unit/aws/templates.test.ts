import * as assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderPipeline } from '../../../src/aws/pipeline';
import { renderStage, stageSecretName } from '../../../src/aws/stageTemplate';
import { loadTemplate, parseTemplate, templateBody, templatesDir, TEMPLATE_BODY_LIMIT } from '../../../src/aws/templates';
import { TempDirs } from '../core/support/tempDir';
import { cfnLint, type CfnLintMatch } from './support/cfnLint';
import { fakeImage, stackFromYaml } from './support/stacks';

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
      const rendered = renderStage({ stack, stage, imageUri: fakeImage(), commit: '0123456789abcdef0123456789abcdef01234567' });
      const file = join(out, `${stage.name}.template.json`);
      writeFileSync(file, templateBody(rendered.template));
      files.push(file);
    }

    // The pipeline as deployed: S3 snapshots, and a CodeStar connection.
    const pipelines = {
      's3.pipeline.json': renderPipeline(stack),
      'connection.pipeline.json': renderPipeline(stack, { connection: { arn: 'arn:aws:codeconnections:us-east-1:123456789012:connection/0d1e2f3a-1111-2222-3333-444455556666', repository: 'acme/shop', branch: 'main' } }),
    };
    for (const [name, rendered] of Object.entries(pipelines)) {
      const file = join(out, name);
      writeFileSync(file, templateBody(rendered.template));
      files.push(file);
    }

    const matches: CfnLintMatch[] = await cfnLint(files);
    const errors = matches.filter(m => m.Level === 'Error');
    const describe = (m: CfnLintMatch) => `${m.Filename}:${m.Location.Start.LineNumber}:${m.Location.Start.ColumnNumber} ${m.Rule.Id} ${m.Message}`;
    assert.deepEqual(errors.map(describe), [], 'cfn-lint errors');
    // Warnings are not failures, but they are printed so nobody misses them.
    for (const w of matches.filter(m => m.Level !== 'Error')) console.log(`    cfn-lint ${m2s(w.Level)}: ${describe(w)}`);
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
    const r = renderStage({ stack, stage: dev, imageUri: image, commit: 'abcdef1', artifact: 'art123' });
    assert.equal(r.stackName, 'shop-dev');
    assert.deepEqual(r.parameters, {
      StackName: 'shop',
      StageName: 'dev',
      ClusterName: 'shop',
      CommitHash: 'abcdef1',
      ImageUri: image,
      ContainerPort: '3000',
      HealthCheckPath: '/healthz',
      LoadBalancer: 'false',
      DatabaseEngine: 'none',
      AllowedOrigins: '',
    });
    assert.deepEqual(r.tags, { 'stagecraft:stack': 'shop', 'stagecraft:stage': 'dev', 'stagecraft:commit': 'abcdef1', 'stagecraft:artifact': 'art123' });
    const container = r.template.Resources.TaskDefinition.Properties!.ContainerDefinitions[0];
    assert.deepEqual(container.Environment.at(-1), { Name: 'LOG_LEVEL', Value: 'debug' });
    // ECS reads a bare name as an SSM parameter: a Secrets Manager secret is named by its (partial) ARN.
    assert.deepEqual(container.Secrets.at(-1), { Name: 'STRIPE_KEY', ValueFrom: { 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${stageSecretName('shop', 'dev', 'stripe-key')}` } });
    assert.ok(templateBody(r.template).length < TEMPLATE_BODY_LIMIT);

    const p = renderStage({ stack, stage: prod, imageUri: image, commit: 'abcdef1' });
    assert.equal(p.parameters.LoadBalancer, 'true');
    assert.equal(p.parameters.DatabaseEngine, 'postgres');
    assert.equal(p.parameters.AllowedOrigins.split(',').length, 7);
    const rules = Object.entries(p.template.Resources).filter(([id]) => id.startsWith('OriginAllowRule'));
    assert.deepEqual(
      rules.map(([id, r]) => [id, r.Properties!.Priority, r.Properties!.Conditions[0].HttpHeaderConfig.Values.length]),
      [
        ['OriginAllowRule', 1, 5],
        ['OriginAllowRule2', 2, 2],
      ],
    );
  });

  it('refuses what CloudFormation or ECS would reject, naming the stage', () => {
    const stack = stackFromYaml(STACK);
    const [dev, prod] = stack.stages;
    assert.throws(() => renderStage({ stack, stage: dev, imageUri: 'shop:latest', commit: 'abcdef1' }), /shop\/dev: the image "shop:latest" is not addressed by digest/);
    assert.throws(() => renderStage({ stack, stage: dev, imageUri: fakeImage(), commit: 'main' }), /not a git commit hash/);
    const clash = { ...prod, env: { PG_HOST: 'elsewhere' } };
    assert.throws(() => renderStage({ stack, stage: clash, imageUri: fakeImage(), commit: 'abcdef1' }), /shop\/prod: "PG_HOST" is set by Stagecraft/);
    // Without a database the PG_ names are the stage's to use (an external database).
    assert.doesNotThrow(() => renderStage({ stack, stage: { ...dev, env: { PG_HOST: 'db.example.com' } }, imageUri: fakeImage(), commit: 'abcdef1' }));
  });
});

function m2s(level: string): string {
  return level.toLowerCase();
}
