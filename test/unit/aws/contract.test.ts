import * as assert from 'node:assert/strict';
import { checkPipelineTemplate, checkStageTemplate, formatContractProblem, type ContractProblem } from '../../../src/aws/contract';
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

  it('the rendered pipeline breaks no rule', () => {
    const problems = checkPipelineTemplate(renderPipeline(stack).template);
    assert.deepEqual(problems.map(p => formatContractProblem('shop-pipeline', p)), []);
  });
});
