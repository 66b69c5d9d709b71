import { promises as fs } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { StagecraftError } from '../core/errors';
import { formatProblem } from '../core/problems';
import type { Stack } from '../core/model';
import { checkFoundationTemplate, checkPipelineTemplate, checkStageTemplate, formatContractProblem } from './contract';
import { renderPipeline } from './pipeline/template';
import { renderFoundation, type Foundation } from './foundation';
import { renderStage } from './stageTemplate';

/** Stand-ins for what only AWS knows (ids, the image digest): the rules look at the template's shape, not at them. */
const PLACEHOLDER_FOUNDATION: Foundation = {
  stackName: 'placeholder-foundation',
  vpcId: 'vpc-00000000000000000',
  publicSubnetIds: 'subnet-00000000000000001,subnet-00000000000000002',
  privateSubnetIds: 'subnet-00000000000000003,subnet-00000000000000004',
  clusterName: 'placeholder',
  listenerArn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/placeholder/0000000000000000/0000000000000000',
  loadBalancerSecurityGroupId: 'sg-00000000000000000',
  loadBalancerFullName: 'app/placeholder/0000000000000000',
  loadBalancerDnsName: 'placeholder.us-east-1.elb.amazonaws.com',
  scheme: 'http',
};

/**
 * What `stagecraft validate` adds for AWS stages: each stage and the foundation rendered as they
 * would deploy, checked against the rules a real account enforces (src/aws/contract.ts). Problems
 * a stage's own configuration causes (a secret name ECS would misread, too many origins) come
 * back as the renderer's errors.
 */
export function awsContractProblems(stack: Stack): string[] {
  const aws = stack.stages.filter(s => s.provider === 'aws');
  if (aws.length === 0) return [];
  const out: string[] = [];
  try {
    const f = renderFoundation(stack);
    out.push(...checkFoundationTemplate(f.template, { certificate: false }, f.parameters).map(p => formatContractProblem(f.stackName, p)));
  } catch (err) {
    out.push((err as Error).message);
  }
  try {
    // The release pipeline as `aws pipeline deploy` would create it: protected stages deploy with protection and rollback triggers.
    const p = renderPipeline(stack);
    out.push(...checkPipelineTemplate(p.template, p.parameters, { protectedStages: aws.filter(s => s.protected).map(s => s.name) }).map(c => formatContractProblem(p.stackName, c)));
  } catch (err) {
    if (!(err instanceof StagecraftError)) throw err;
    out.push(err.message);
  }
  for (const stage of aws) {
    try {
      const r = renderStage({ stack, stage, imageUri: `placeholder@sha256:${'0'.repeat(64)}`, commit: '0000000', foundation: PLACEHOLDER_FOUNDATION });
      out.push(...checkStageTemplate(r.template, { protected: stage.protected }, r.parameters).map(p => formatContractProblem(r.stackName, p)));
    } catch (err) {
      if (!(err instanceof StagecraftError)) throw err;
      out.push(err.message);
    }
  }
  return out;
}

/**
 * Keys AWS stages still accept but no longer act on, as warnings at their line (old files keep
 * loading): `loadBalancer` — every AWS stage is routed by a rule on its foundation's one load balancer.
 */
export async function ignoredKeyWarnings(stack: Pick<Stack, 'file' | 'stages'>): Promise<string[]> {
  const aws = new Set(stack.stages.filter(s => s.provider === 'aws').map(s => s.name));
  if (aws.size === 0) return [];
  const text = await fs.readFile(stack.file, 'utf8').catch(() => undefined);
  if (text === undefined) return [];
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const stages = isMap(doc.contents) ? doc.contents.get('stages', true) : undefined;
  if (!isSeq(stages)) return [];
  const out: string[] = [];
  stages.items.forEach((item, i) => {
    if (!isMap(item) || !aws.has(String(item.get('name')))) return;
    const pair = item.items.find(p => (p.key as { value?: unknown } | null)?.value === 'loadBalancer');
    const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
    if (!range) return;
    const start = lines.linePos(range[0]);
    const end = lines.linePos(range[1]);
    out.push(
      `${formatProblem({ file: stack.file, line: start.line, column: start.col, endLine: end.line, endColumn: end.col, field: `stages[${i}].loadBalancer`, message: 'ignored: every AWS stage is served by its foundation\'s load balancer (a listener rule per stage); remove the key', severity: 'warning' })} (warning)`,
    );
  });
  return out;
}
