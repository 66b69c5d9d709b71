import * as assert from 'node:assert/strict';
import { parseStackFile } from '../../../../src/core/config/load';
import { planRun } from '../../../../src/core/pipeline';
import { StagecraftError } from '../../../../src/core/errors';
import { makeStack, Temp, THREE_STAGES } from './helpers';

describe('pipeline plan', () => {
  const temp = new Temp();
  after(() => temp.cleanup());

  it('orders source, the build group and each stage (approval only where required, migrate when declared)', () => {
    const stack = makeStack(temp, THREE_STAGES, { lint: 'eslint .' });
    const ids = planRun(stack, { commit: 'abc' }).map(s => s.id);
    assert.deepEqual(ids, [
      'source',
      'build:artifact',
      'build:unit-tests',
      'build:secret-scan',
      'build:code-quality',
      'build:sbom',
      'build:audit',
      'stage:dev:migrate',
      'stage:dev:deploy',
      'stage:dev:health',
      'stage:dev:synthetic',
      'stage:dev:promote',
      'stage:test:migrate',
      'stage:test:deploy',
      'stage:test:health',
      'stage:test:synthetic',
      'stage:test:promote',
      'stage:prod:approval',
      'stage:prod:migrate',
      'stage:prod:deploy',
      'stage:prod:health',
      'stage:prod:synthetic',
      'stage:prod:promote',
    ]);
  });

  it('leaves out code quality without a lint script and migration without a migrate command', () => {
    const stack = makeStack(temp, 'stack: shop\nstages:\n  - name: dev\n', { test: 'node --test' });
    const steps = planRun(stack, { commit: 'abc' });
    assert.ok(!steps.some(s => s.kind === 'code-quality'));
    assert.ok(!steps.some(s => s.kind === 'migrate'));
    assert.ok(!steps.some(s => s.kind === 'approval'));
    assert.deepEqual(steps.filter(s => s.group === 'stage').map(s => s.kind), ['deploy', 'health', 'synthetic', 'promote']);
  });

  it('gives each step a kind, a group, its stage and what the executor needs', () => {
    const stack = makeStack(temp);
    const steps = planRun(stack, { commit: 'abc' });
    const migrate = steps.find(s => s.id === 'stage:test:migrate')!;
    assert.equal(migrate.kind, 'migrate');
    assert.equal(migrate.stage, 'test');
    assert.equal(migrate.group, 'stage');
    assert.equal(migrate.command, 'npm run migrate');
    assert.equal(steps.find(s => s.id === 'stage:dev:health')!.healthPath, '/health');
    // No checks declared: a GET of the health path expecting 200.
    assert.deepEqual(steps.find(s => s.id === 'stage:dev:synthetic')!.checks, [{ path: '/health', method: 'GET' }], 'the health check\'s rule: any 2xx');
  });

  it('uses the synthetic checks declared in stagecraft.yaml, with their defaults', () => {
    const stack = makeStack(temp, 'stack: shop\nservice:\n  checks:\n    - path: /info\n      contains: commit\n    - { path: /items, method: POST, expectStatus: 201 }\nstages:\n  - name: dev\n');
    const checks = planRun(stack, { commit: 'abc' }).find(s => s.kind === 'synthetic')!.checks;
    assert.deepEqual(checks, [
      { path: '/info', method: 'GET', expectStatus: 200, contains: 'commit' },
      { path: '/items', method: 'POST', expectStatus: 201 },
    ]);
  });

  it('plans only the chosen stages, in the stack order', () => {
    const stack = makeStack(temp);
    const stages = [...new Set(planRun(stack, { commit: 'abc', stages: ['prod', 'dev'] }).filter(s => s.stage).map(s => s.stage))];
    assert.deepEqual(stages, ['dev', 'prod']);
  });

  it('promotes an existing artifact without source or build steps', () => {
    const stack = makeStack(temp);
    const steps = planRun(stack, { commit: 'abc', stages: ['test'], artifact: { id: 'sha256-x', commit: 'abc' } });
    assert.equal(steps[0].id, 'stage:test:migrate');
    assert.ok(steps.every(s => s.group === 'stage'));
  });

  it('names the stack and its stages when asked for a stage it does not have', () => {
    const stack = makeStack(temp);
    assert.throws(
      () => planRun(stack, { commit: 'abc', stages: ['qa'] }),
      (err: unknown) => err instanceof StagecraftError && err.kind === 'input' && /no stage "qa"/.test(err.message) && /dev, test, prod/.test(err.hint ?? ''),
    );
  });
});

describe('stagecraft.yaml: checks and approvalTimeout', () => {
  it('accepts approvalTimeout durations and rejects other text with a located problem', () => {
    const ok = parseStackFile('stack: shop\nstages:\n  - name: prod\n    requireApproval: true\n    approvalTimeout: 12h\n', 'stagecraft.yaml');
    assert.equal(ok.stack?.stages[0].approvalTimeout, '12h');
    const bad = parseStackFile('stack: shop\nstages:\n  - name: prod\n    approvalTimeout: soon\n', 'stagecraft.yaml');
    assert.equal(bad.stack, undefined);
    assert.equal(bad.problems[0].line, 4);
    assert.match(bad.problems[0].message, /duration such as "7d"/);
  });

  it('rejects a check without a leading slash and an unknown check key', () => {
    const r = parseStackFile('stack: shop\nservice:\n  checks:\n    - path: health\n    - path: /x\n      expect: 200\nstages: []\n', 'stagecraft.yaml');
    assert.equal(r.stack, undefined);
    const messages = r.problems.map(p => `${p.line}: ${p.message}`);
    assert.ok(messages.some(m => /^4: .*starting with "\/"/.test(m)), messages.join('\n'));
    assert.ok(messages.some(m => /^6: unknown key "expect"/.test(m)), messages.join('\n'));
  });

  it('keeps a stack without the new keys as it was (no checks, no approvalTimeout)', () => {
    const r = parseStackFile('stack: shop\nstages:\n  - name: dev\n', 'stagecraft.yaml');
    assert.equal(r.stack?.service.checks, undefined);
    assert.equal('approvalTimeout' in (r.stack?.stages[0] ?? {}), false);
  });
});
