import * as assert from 'node:assert/strict';
import { approvalHint } from '../../../src/aws/cli';
import { checkFoundationTemplate, checkPipelineTemplate, checkStageTemplate, formatContractProblem, type ContractProblem } from '../../../src/aws/contract';
import { renderFoundation } from '../../../src/aws/foundation';
import type { Template } from '../../../src/aws/templates';
import { findCommand } from '../../../src/cli/main';
import { renderPipeline } from '../../../src/aws/pipeline';
import { renderStage } from '../../../src/aws/stageTemplate';
import { fakeFoundation, fakeImage, stackFromYaml } from './support/stacks';

/** Rules a real account enforces and moto does not (see src/aws/contract.ts for their sources). */
const STACK = `
stack: shop
service:
  port: 3000
  healthCheck: /healthz
stages:
  - name: dev
    provider: aws
    database: postgres
    env:
      LOG_LEVEL: debug
      STRIPE_KEY: { secret: stripe-key }
  - name: prod
    provider: aws
    database: postgres
    protected: true
    requireApproval: true
    env:
      STRIPE_KEY: { secret: stripe-key }
    origins: [https://a.example.com]
`;
const COMMIT = '0123456789abcdef0123456789abcdef01234567';

function rules(problems: ContractProblem[]): string[] {
  return problems.map(p => p.rule);
}

describe('aws contract: rendered templates against rules from the API reference', () => {
  const stack = stackFromYaml(STACK);
  const render = (name: string) => {
    const stage = stack.stages.find(s => s.name === name)!;
    return { stage, rendered: renderStage({ stack, stage, imageUri: fakeImage(), commit: COMMIT, foundation: fakeFoundation() }) };
  };

  for (const name of ['dev', 'prod']) {
    it(`the rendered ${name} stage breaks no rule`, () => {
      const { stage, rendered } = render(name);
      const problems = checkStageTemplate(rendered.template, { protected: stage.protected }, rendered.parameters);
      assert.deepEqual(problems.map(p => formatContractProblem(rendered.stackName, p)), []);
    });
  }

  const BUNDLE = { bucket: 'shop-foundation-artifactbucket-1a2b3c', key: 'stagecraft/0.1.0-0123456789abcdef.tgz', sha256: 'ab'.repeat(32) };
  it('the rendered pipeline breaks no rule', () => {
    const r = renderPipeline(stack, { bundle: BUNDLE });
    const problems = checkPipelineTemplate(r.template, r.parameters, { protectedStages: stack.stages.filter(s => s.protected).map(s => s.name) });
    assert.deepEqual(problems.map(p => formatContractProblem('shop-pipeline', p)), []);
  });

  it('the pipeline deploys a protected stage through the verified bundle (termination protection, rollback triggers), others with the CloudFormation action', () => {
    const stages = renderPipeline(stack, { bundle: BUNDLE }).template.Resources.Pipeline.Properties!.Stages as Array<{ Name: string; Actions: Array<Record<string, any>> }>;
    const deployOf = (name: string) => stages.find(s => s.Name === `Deploy-${name}`)!.Actions.find(a => a.Name === 'Deploy')!;
    assert.equal(deployOf('dev').ActionTypeId.Provider, 'CloudFormation');
    assert.deepEqual(deployOf('prod').ActionTypeId, { Category: 'Build', Owner: 'AWS', Provider: 'CodeBuild', Version: '1' });
    assert.deepEqual(deployOf('prod').Configuration.ProjectName, { Ref: 'ProtectedDeployProject' });
    assert.deepEqual(JSON.parse(deployOf('prod').Configuration.EnvironmentVariables), [{ name: 'STAGE', value: 'prod', type: 'PLAINTEXT' }]);
  });

  it('a migration runs before each stage’s deploy in the pipeline, and the approval hint names verbs that exist', () => {
    const withMigrate = stackFromYaml(STACK.replace('  healthCheck: /healthz', '  healthCheck: /healthz\n  migrate: npm run migrate'));
    const stages = renderPipeline(withMigrate, { bundle: BUNDLE }).template.Resources.Pipeline.Properties!.Stages as Array<{ Name: string; Actions: Array<Record<string, any>> }>;
    const prod = stages.find(s => s.Name === 'Deploy-prod')!;
    assert.deepEqual(prod.Actions.map(a => [a.Name, a.RunOrder]), [['Approve', 1], ['Migrate', 2], ['Deploy', 3]]);
    assert.deepEqual(JSON.parse(prod.Actions[1].Configuration.EnvironmentVariables), [{ name: 'STAGE', value: 'prod', type: 'PLAINTEXT' }]);
    for (const cmd of approvalHint('prod').match(/`stagecraft ([^`]+)`/g)!) {
      const argv = cmd.replace(/`/g, '').split(' ').slice(1);
      const found = findCommand(argv).command;
      assert.ok(found && found.path.length > 0, `${cmd} is a command`);
    }
  });

  describe('each problem the review found fails a rule when reintroduced', () => {
    const stageProblems = (edit: (t: Template, params: Record<string, string>) => void, name = 'prod') => {
      const { stage, rendered } = render(name);
      const params = { ...rendered.parameters };
      edit(rendered.template, params);
      return rules(checkStageTemplate(rendered.template, { protected: stage.protected }, params));
    };
    const container = (t: Template) => t.Resources.TaskDefinition.Properties!.ContainerDefinitions[0];

    it('a secret passed by bare name (ECS would read an SSM parameter)', () => {
      assert.deepEqual(stageProblems(t => (container(t).Secrets.at(-1).ValueFrom = 'stagecraft/shop/prod/stripe-key')), ['secret-value-from-arn']);
    });
    it('a JSON key taken from something that is not the secret', () => {
      assert.deepEqual(stageProblems(t => (container(t).Secrets[1]['Fn::If'][1].ValueFrom = { 'Fn::Sub': '${DatabaseInstance}:password::' })), ['secret-value-from-arn']);
    });
    it('a VPC and internet gateway in a stage stack (5 per region)', () => {
      assert.deepEqual(
        stageProblems(t => {
          t.Resources.Vpc = { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } };
          t.Resources.InternetGateway = { Type: 'AWS::EC2::InternetGateway' };
        }),
        ['no-vpc-in-stage', 'no-vpc-in-stage'],
      );
    });
    it('no TLS to the database (PGSSLMODE missing)', () => {
      assert.deepEqual(stageProblems(t => (container(t).Environment = container(t).Environment.filter((e: any) => !JSON.stringify(e).includes('PGSSLMODE')))), ['rds-tls']);
    });
    it('an unencrypted database, a protected one without deletion protection, a minor version pinned', () => {
      assert.deepEqual(
        stageProblems(t => {
          const db = t.Resources.DatabaseInstance.Properties!;
          db.StorageEncrypted = false;
          delete db.DeletionProtection;
          (t.Parameters!.DatabaseEngineVersion as { Default: string }).Default = '17.6';
        }),
        ['rds-storage-encrypted', 'rds-deletion-protection', 'rds-engine-major'],
      );
    });
    it('a dev stage without a database needs none of the database rules', () => {
      const devNoDb = stackFromYaml(STACK.replace('    database: postgres\n    env:\n      LOG_LEVEL', '    env:\n      LOG_LEVEL'));
      const stage = devNoDb.stages[0];
      const r = renderStage({ stack: devNoDb, stage, imageUri: fakeImage(), commit: COMMIT, foundation: fakeFoundation() });
      assert.deepEqual(checkStageTemplate(r.template, { protected: false }, r.parameters), []);
    });
    it('HTTP only although a certificate was given, and port 80 serving instead of redirecting', () => {
      const f = renderFoundation(stack, { certificateArn: CERT });
      delete f.template.Resources.HttpsListener;
      f.template.Resources.HttpListener.Properties!.DefaultActions = [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }];
      assert.deepEqual(rules(checkFoundationTemplate(f.template, { certificate: true }, f.parameters)), ['https-listener', 'http-redirects']);
    });
    it('a deploy role with service:* on every resource, and an Action "*"', () => {
      const r = renderPipeline(stack, { bundle: BUNDLE });
      const statements = r.template.Resources.DeployRole.Properties!.Policies[0].PolicyDocument.Statement;
      statements.push({ Effect: 'Allow', Action: ['ec2:*', 'ecs:*'], Resource: '*' }, { Effect: 'Allow', Action: '*', Resource: ['*'] });
      assert.deepEqual(rules(checkPipelineTemplate(r.template, r.parameters)), ['iam-no-wildcard', 'iam-no-wildcard', 'iam-no-wildcard']);
    });
    it('a protected stage deployed by CodePipeline’s CloudFormation action (no termination protection, no rollback triggers)', () => {
      const r = renderPipeline(stack, { bundle: BUNDLE });
      const stages = r.template.Resources.Pipeline.Properties!.Stages as Array<{ Name: string; Actions: Array<Record<string, any>> }>;
      const dev = stages.find(s => s.Name === 'Deploy-dev')!.Actions.find(a => a.Name === 'Deploy')!;
      const prod = stages.find(s => s.Name === 'Deploy-prod')!;
      prod.Actions = prod.Actions.map(a => (a.Name === 'Deploy' ? { ...dev, Configuration: { ...dev.Configuration, StackName: 'shop-prod' } } : a));
      assert.deepEqual(rules(checkPipelineTemplate(r.template, r.parameters, { protectedStages: ['prod'] })), ['pipeline-protected-deploy']);
      const spec = renderPipeline(stack, { bundle: BUNDLE });
      const source = spec.template.Resources.ProtectedDeployProject.Properties!.Source;
      source.BuildSpec = String(source.BuildSpec).replace(/aws deploy-rendered[^\n]*/, 'aws migrate "$STAGE"');
      assert.deepEqual(rules(checkPipelineTemplate(spec.template, spec.parameters, { protectedStages: ['prod'] })), ['pipeline-protected-deploy'], 'a project that does not deploy with protection');
    });
    it('the build fetching Stagecraft by name from a registry', () => {
      const r = renderPipeline(stack, { bundle: BUNDLE });
      const source = r.template.Resources.BuildProject.Properties!.Source;
      source.BuildSpec = String(source.BuildSpec).replace('STAGECRAFT="node /tmp/stagecraft/dist/cli.js"', 'STAGECRAFT="npx --yes stagecraft"');
      assert.deepEqual(rules(checkPipelineTemplate(r.template, r.parameters)), ['no-registry-cli']);
    });
    it('an image repository with a fixed name kept on delete and no lifecycle policy', () => {
      const f = renderFoundation(stack);
      f.template.Resources.ImageRepository.DeletionPolicy = 'Retain';
      delete f.template.Resources.ImageRepository.Properties!.LifecyclePolicy;
      assert.deepEqual(rules(checkFoundationTemplate(f.template, { certificate: false }, f.parameters)), ['ecr-lifecycle', 'ecr-lifecycle']);
    });
    it('an artifact bucket that accepts clear-text requests, a log group kept forever', () => {
      const f = renderFoundation(stack);
      delete f.template.Resources.ArtifactBucketPolicy;
      f.template.Resources.Logs = { Type: 'AWS::Logs::LogGroup', Properties: {} };
      assert.deepEqual(rules(checkFoundationTemplate(f.template, { certificate: false }, f.parameters)), ['bucket-tls-only', 'log-retention']);
    });
  });
});

const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/0d1e2f3a-1111-2222-3333-444455556666';
