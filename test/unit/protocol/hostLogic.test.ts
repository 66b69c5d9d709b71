import * as assert from 'node:assert/strict';
import { parseStackFile } from '../../../src/core/config/load';
import type { Stack } from '../../../src/core/model';
import { addStageProblems, splitPatterns, toNewStage } from '../../../src/protocol/host/addStage';
import { applyEnvRows, checkEnvRows, envRecord, envRevision, envRows } from '../../../src/protocol/host/environment';
import { applyOrigins, checkOrigins } from '../../../src/protocol/host/origins';
import { editStackText } from '../../../src/protocol/host/stackFile';
import type { AddStageForm } from '../../../src/protocol/messages';
import { builtinProviders } from '../support/providers';
import { STACK_TEXT } from './fixture';

const providers = builtinProviders();

const FILE = '/app/stagecraft.yaml';
const TEXT = STACK_TEXT;
const stack = (text = TEXT): Stack => {
  const r = parseStackFile(text, FILE);
  assert.ok(r.stack, JSON.stringify(r.problems));
  return r.stack;
};
const form = (over: Partial<AddStageForm> = {}): AddStageForm => ({ name: 'qa', provider: 'local', options: {}, database: false, requireApproval: false, branches: '', ...over });

describe('protocol host logic: Add Stage', () => {
  it('words the name problem exactly as the core rule does', () => {
    assert.deepEqual(addStageProblems(stack(), form(), providers), {});
    assert.equal(addStageProblems(stack(), form({ name: '' }), providers).name, 'a stage name cannot be empty');
    assert.equal(addStageProblems(stack(), form({ name: 'Dev' }), providers).name, 'stack "shop-api" already has a stage named "Dev"');
    assert.match(addStageProblems(stack(), form({ provider: 'aws', name: 'a'.repeat(125), options: { region: 'us-east-1' } }), providers).name, /CloudFormation allows at most 128/);
    assert.equal(addStageProblems(stack(), form({ name: 'a'.repeat(125) }), providers).name, undefined, 'a local stage has no length limit of its own');
    assert.match(addStageProblems(stack(), form({ provider: 'gcp' }), providers).provider, /"gcp" is not a provider of this Stagecraft \(it has: local, aws\)/);
  });

  it('checks the chosen provider\'s own fields only (region and profile for AWS), and the position and branch patterns', () => {
    assert.deepEqual(addStageProblems(stack(), form({ options: { region: 'nowhere' } }), providers), {});
    const aws = addStageProblems(stack(), form({ provider: 'aws', options: { region: 'nowhere', profile: 'my profile' }, after: 'staging', branches: 'a b' }), providers);
    assert.deepEqual(Object.keys(aws).sort(), ['after', 'branches', 'profile', 'region']);
    assert.deepEqual(addStageProblems(stack(), form({ provider: 'aws', options: { region: 'eu-central-1', profile: '' } }), providers), {});
  });

  it('turns the form into the editor\'s NewStage', () => {
    assert.deepEqual(toNewStage(form({ provider: 'aws', options: { region: 'us-west-2', profile: 'ci' }, database: true, after: '', branches: 'release/*,\n hotfix/** ,' }), providers), {
      name: 'qa', provider: 'aws', options: { region: 'us-west-2', profile: 'ci' }, database: 'postgres', requireApproval: false, after: undefined, first: true, branches: ['release/*', 'hotfix/**'],
    });
    const local = toNewStage(form({ options: { region: 'us-west-2', profile: 'ci' }, after: 'dev' }), providers);
    assert.deepEqual(local.options, {}, 'another provider\'s fields are not written');
    assert.equal(local.after, 'dev');
    assert.equal(local.first, false);
    assert.deepEqual(splitPatterns(' , '), []);
  });
});

describe('protocol host logic: environment', () => {
  const docker = new Map([['NODE_ENV', { value: 'production' }], ['LOG_LEVEL', { value: 'info' }]]);

  it('shows which rows override the Dockerfile ENV and flags secret-looking values', () => {
    const rows = envRows(stack().stages[0]);
    assert.deepEqual(rows, [{ name: 'LOG_LEVEL', value: { kind: 'text', text: 'debug' } }]);
    const key = ['AKIA', 'FAKEFAKEFAKEFAKE'].join('');
    const { rows: checks, problems } = checkEnvRows([...rows, { name: 'AWS_KEY_ID', value: { kind: 'text', text: key } }, { name: 'LOG_LEVEL', value: { kind: 'text', text: 'x' } }], docker);
    assert.equal(checks[0].overrides, 'info');
    assert.equal(checks[1].secretLike, 'looks like an AWS access key id');
    assert.match(problems['rows.2.name'], /already set in row 1/);
  });

  it('rewrites only what changed: removed names unset, changed ones set, the rest of the file as it was', () => {
    const s = stack().stages[1]; // test: DATABASE_POOL: 5
    const { text, changed } = applyEnvRows(TEXT, FILE, 'test', s.env, [
      { name: 'DATABASE_POOL', value: { kind: 'text', text: '5' } },
      { name: 'STRIPE_KEY', value: { kind: 'secret', secret: 'stripe' } },
    ]);
    assert.equal(changed, 1);
    assert.ok(text.includes('DATABASE_POOL: 5\n'), 'an unchanged number keeps its form');
    assert.ok(text.includes('STRIPE_KEY: { secret: stripe }'));
    assert.equal(text.split('\n').filter(l => l.includes('#')).length, TEXT.split('\n').filter(l => l.includes('#')).length);
    const removed = applyEnvRows(TEXT, FILE, 'dev', stack().stages[0].env, []);
    assert.equal(removed.changed, 1);
    assert.deepEqual(stack(removed.text).stages[0].env, {});
    assert.equal(applyEnvRows(TEXT, FILE, 'dev', stack().stages[0].env, envRows(stack().stages[0])).text, TEXT);
  });

  it('refuses "__proto__", which the stack loader could not keep', () => {
    assert.match(checkEnvRows([{ name: '__proto__', value: { kind: 'text', text: 'x' } }], new Map()).problems['rows.0.name'], /cannot be kept/);
  });

  it('gives providers own properties only, whatever the names', () => {
    const record = envRecord([{ name: '__proto__', value: { kind: 'text', text: 'x' } }]);
    assert.equal(Object.getPrototypeOf(record), Object.prototype);
    assert.ok(Object.prototype.hasOwnProperty.call(record, '__proto__'));
    assert.notEqual(envRevision(stack().stages[0]), envRevision(stack().stages[1]));
  });
});

describe('protocol host logic: origins and edits', () => {
  it('checks each origin with the core rule and refuses duplicates', () => {
    assert.deepEqual(checkOrigins(['https://a.example.com', 'http://localhost:3000']), {});
    const p = checkOrigins(['https://a.example.com/', 'https://A.example.com:443', 'https://a.example.com:443', 'http://h:70000']);
    assert.deepEqual(Object.keys(p), ['origins.0', 'origins.2', 'origins.3']);
  });

  it('adds and removes origins in place', () => {
    const prod = stack().stages[2];
    const { text, changed } = applyOrigins(TEXT, FILE, 'prod', prod.origins, ['https://new.example.com']);
    assert.equal(changed, 2);
    assert.deepEqual(stack(text).stages[2].origins, ['https://new.example.com']);
    assert.ok(text.includes('# Production: a person approves each promotion.'));
  });

  it('refuses an edit that would make the file invalid, and one of a file already invalid', () => {
    assert.throws(() => editStackText(TEXT, FILE, 'Breaking it', t => t.replace('port: 3000', 'port: many')), /Breaking it would make stagecraft.yaml invalid/);
    assert.throws(() => editStackText('stack: [', FILE, 'Editing', t => t), /Editing: stagecraft.yaml has problems/);
    assert.equal(editStackText(TEXT, FILE, 'Nothing', t => t), TEXT);
  });
});
