import * as assert from 'node:assert/strict';
import { isRiskyReview, reviewLines, reviewMarkdown } from '../../../src/core/deployReview';
import type { DeployReview, PlannedResourceChange } from '../../../src/core/provider';

function review(changes: PlannedResourceChange[], creates = false): DeployReview {
  return { label: 'shop/prod', target: 'CloudFormation stack shop-prod', creates, changes, summary: 's' };
}
const change = (kind: PlannedResourceChange['kind'], resource: string, type: string, scope: string[] = []): PlannedResourceChange => ({ kind, resource, type, scope });

describe('deploy review', () => {
  it('lists removals and replacements before additions and modifications, each with its type', () => {
    const lines = reviewLines(
      review([
        change('modify', 'Service', 'AWS::ECS::Service', ['Properties']),
        change('add', 'Alarm', 'AWS::CloudWatch::Alarm'),
        change('replace', 'Database', 'AWS::RDS::DBInstance'),
        change('remove', 'Queue', 'AWS::SQS::Queue'),
      ]),
    );
    assert.deepEqual(
      lines.map(l => l.replace(/\s+/g, ' ')),
      ['- REMOVE Queue (AWS::SQS::Queue)', '! REPLACE Database (AWS::RDS::DBInstance)', '+ add Alarm (AWS::CloudWatch::Alarm)', '~ modify Service (AWS::ECS::Service): Properties'],
    );
  });

  it('a new task definition revision is routine; a replaced database or a removal is risky', () => {
    const routine = review([change('replace', 'TaskDefinition', 'AWS::ECS::TaskDefinition'), change('modify', 'Service', 'AWS::ECS::Service')]);
    assert.equal(isRiskyReview(routine), false);
    assert.equal(isRiskyReview(review([...routine.changes, change('may-replace', 'Database', 'AWS::RDS::DBInstance')])), true);
    assert.equal(isRiskyReview(review([change('remove', 'LoadBalancer', 'AWS::ElasticLoadBalancingV2::LoadBalancer')])), true);
  });

  it('the full review document names the stage, the target and every change', () => {
    const doc = reviewMarkdown(review([change('add', 'Service', 'AWS::ECS::Service')], true));
    assert.match(doc, /^# Create shop\/prod/);
    assert.match(doc, /CloudFormation stack shop-prod: s\./);
    assert.match(doc, /\+ add {2}Service \(AWS::ECS::Service\)/);
  });
});
