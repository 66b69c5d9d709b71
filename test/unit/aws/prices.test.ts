import * as assert from 'node:assert/strict';
import { estimateStage, PRICES } from '../../../src/aws/prices';
import { stackFromYaml } from './support/stacks';

describe('aws monthly estimate from the dated price table', () => {
  const stack = stackFromYaml('stack: shop\nstages:\n  - name: dev\n    provider: aws\n  - name: prod\n    provider: aws\n    database: postgres\n    env:\n      K: { secret: k }\n  - name: local\n');

  it('a stage without a database: Fargate, its IPv4, half the shared load balancer, alarms', () => {
    const e = estimateStage(stack, stack.stages[0]);
    const h = PRICES.hoursPerMonth;
    const fargate = h * (0.25 * PRICES.fargateVcpuHour + 0.5 * PRICES.fargateGbHour);
    const alb = (h * (PRICES.albHour + PRICES.albLcuHour + 2 * PRICES.publicIpv4Hour)) / 2;
    assert.equal(e.lines.length, 4);
    assert.ok(Math.abs(e.total - (fargate + h * PRICES.publicIpv4Hour + alb + 0.2)) < 0.05, JSON.stringify(e));
    assert.match(e.lines[2].what, /1\/2/, 'the load balancer is split among the two AWS stages only');
  });

  it('a stage with a database and a secret adds RDS and two secrets (its own and the database’s)', () => {
    const e = estimateStage(stack, stack.stages[1]);
    assert.ok(e.lines.some(l => /RDS db\.t4g\.micro/.test(l.what) && l.usd > 10));
    assert.deepEqual(e.lines.at(-1), { what: '2 secret(s)', usd: 0.8 });
    assert.ok(e.total > estimateStage(stack, stack.stages[0]).total + 10);
    assert.match(PRICES.date, /^\d{4}-\d{2}-\d{2}$/);
  });
});
