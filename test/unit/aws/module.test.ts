import * as assert from 'node:assert/strict';
import { awsModule } from '../../../src/aws/module';
import { parseStackFile } from '../../../src/core/config/load';
import { formatProblem } from '../../../src/core/problems';
import { Providers } from '../../../src/core/providers';
import { localModule } from '../../../src/local/module';

describe('aws/module: what the AWS provider adds to stagecraft.yaml', () => {
  it('allows `<stack>-<stage>` up to 128 characters (CloudFormation)', () => {
    assert.equal(awsModule.stageNameProblem!('s'.repeat(100), 'd'.repeat(27)), undefined);
    assert.equal(awsModule.stageNameProblem!('s'.repeat(100), 'd'.repeat(28)), `"${'s'.repeat(100)}-${'d'.repeat(28)}" is 129 characters; CloudFormation allows at most 128`);
  });

  it('the length rule applies to AWS stages only, at the stage name line', () => {
    const schema = new Providers([localModule, awsModule]).stackSchema();
    const long = 'd'.repeat(130);
    const aws = parseStackFile(`stack: shop\nstages:\n  - name: ${long}\n    provider: aws\n`, 'f.yaml', schema);
    assert.deepEqual(aws.problems.map(formatProblem), [`f.yaml:3:11: stages[0].name: "shop-${long}" is 135 characters; CloudFormation allows at most 128`]);
    assert.ok(parseStackFile(`stack: shop\nstages:\n  - name: ${long}\n`, 'f.yaml', schema).stack, 'a local stage has no such limit');
  });

  it('region, profile and loadBalancer are keys only when the aws module is registered', () => {
    const text = 'stack: shop\nstages:\n  - name: dev\n    region: eu-west-1\n';
    const localOnly = parseStackFile(text, 'f.yaml', new Providers([localModule]).stackSchema());
    assert.deepEqual(localOnly.problems.map(formatProblem), ['f.yaml:4:5: stages[0].region: unknown key "region"; expected one of: name, provider, database, requireApproval, env, origins, branches, protected, approvalTimeout, hosts']);
    const both = parseStackFile(text.replace('dev\n', 'dev\n    provider: aws\n'), 'f.yaml', new Providers([localModule, awsModule]).stackSchema());
    assert.equal(both.stack?.stages[0].region, 'eu-west-1');
    assert.equal(both.stack?.stages[0].loadBalancer, undefined, 'loadBalancer has no default: it does nothing on AWS any more');
    assert.ok(!awsModule.addStageFields?.some(f => f.key === 'loadBalancer'), 'Add Stage no longer asks for a load balancer');
    assert.deepEqual(awsModule.stageTraits?.({ ...both.stack!.stages[0], loadBalancer: true }) ?? [], [], 'and the tree shows no such trait');
  });
});
