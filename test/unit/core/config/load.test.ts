import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadStackFile, parseStackFile, STACK_FILE } from '../../../../src/core/config/load';
import { builtinSchema } from '../../support/providers';

const SCHEMA = builtinSchema();
import { formatProblem, type Problem } from '../../../../src/core/problems';
import { readFixture } from '../support/repoRoot';
import { TempDirs } from '../support/tempDir';

const FILE = '/work/app/stagecraft.yaml';

/** Every problem as the CLI prints it, so each assertion shows file, line, column, field and message. */
function problems(text: string): string[] {
  return parseStackFile(text, FILE, SCHEMA).problems.map(p => `${formatProblem(p)}${p.severity === 'warning' ? ' (warning)' : ''}`);
}

function only(text: string): Problem {
  const found = parseStackFile(text, FILE, SCHEMA).problems;
  assert.equal(found.length, 1, `expected one problem, got:\n${found.map(formatProblem).join('\n')}`);
  return found[0];
}

describe('config/load: valid files', () => {
  it('applies defaults and resolves protection for every stage', () => {
    const r = parseStackFile(readFixture('stackfiles', 'valid.yaml'), FILE, SCHEMA);
    assert.deepEqual(r.problems, []);
    assert.ok(r.stack);
    assert.equal(r.stack.name, 'shop');
    assert.equal(r.stack.branchModel, 'trunk');
    assert.equal(r.stack.file, FILE);
    assert.equal(r.stack.root, '/work/app');
    assert.deepEqual(r.stack.service, {
      dockerfile: 'docker/Dockerfile',
      port: 3000,
      healthCheck: '/healthz',
      build: 'npm run build',
      start: 'node server.js',
      migrate: 'npm run migrate',
    });
    const [dev, staging, prod, production] = r.stack.stages;
    assert.deepEqual(dev, {
      name: 'dev',
      provider: 'local',
      database: 'none',
      requireApproval: false,
      env: {},
      origins: [],
      protected: false,
      index: 0,
    });
    assert.deepEqual(staging, {
      name: 'staging',
      provider: 'aws',
      region: 'eu-west-1',
      profile: 'shop-dev',
      database: 'postgres',
      requireApproval: false,
      loadBalancer: true,
      // Numbers and booleans become the strings a process sees; secrets stay references.
      env: { LOG_LEVEL: 'info', WORKERS: '4', FEATURE_X: 'true', DB_PASSWORD: { secret: 'staging-db' } },
      origins: ['https://staging.example.com', 'http://localhost:5173'],
      branches: ['release/*', 'hotfix/**'],
      protected: false,
      index: 1,
    });
    assert.equal(prod.protected, true, 'prod is protected by default');
    assert.equal(prod.requireApproval, true);
    assert.equal(production.protected, false, '`protected: false` overrides the default for production');
    assert.deepEqual(r.stageLines, [12, 13, 28, 32]);
  });

  it('fills service and branch model defaults for a minimal file', () => {
    const r = parseStackFile('stack: shop\nstages:\n  - name: production\n  - name: Prod\n  - name: qa\n    protected: true\n', FILE, SCHEMA);
    assert.deepEqual(r.problems, []);
    assert.equal(r.stack?.branchModel, 'gitflow');
    assert.deepEqual(r.stack?.service, { dockerfile: 'Dockerfile', port: 8080, healthCheck: '/health' });
    assert.deepEqual(
      r.stack?.stages.map(s => [s.name, s.protected]),
      [
        ['production', true],
        ['Prod', true],
        ['qa', true],
      ],
    );
  });

  it('accepts a stack with no stages yet', () => {
    const r = parseStackFile('stack: shop\n', FILE, SCHEMA);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.stack?.stages, []);
  });

  it('warns, without failing, about region on a local stage', () => {
    const text = 'stack: shop\nstages:\n  - name: dev\n    region: eu-west-1\n    profile: p\n';
    assert.deepEqual(problems(text), [
      `${FILE}:4:5: stages[0].region: only AWS stages use "region"; this stage's provider is "local" (warning)`,
      `${FILE}:5:5: stages[0].profile: only AWS stages use "profile"; this stage's provider is "local" (warning)`,
    ]);
    assert.equal(parseStackFile(text, FILE, SCHEMA).stack?.stages[0].region, 'eu-west-1');
  });
});

describe('config/load: every problem names file, line, column, field and what is expected', () => {
  it('unknown stage key with a suggestion', () => {
    const p = only('stack: shop\nstages:\n  - name: dev\n    provder: local\n');
    assert.deepEqual(p, {
      file: FILE,
      line: 4,
      column: 5,
      endLine: 4,
      endColumn: 12,
      field: 'stages[0].provder',
      message: 'unknown key "provder"; did you mean "provider"?',
      severity: 'error',
    });
  });

  it('unknown top-level key with a suggestion', () => {
    assert.deepEqual(problems('stack: shop\nstagse:\n  - name: dev\n'), [`${FILE}:2:1: stagse: unknown key "stagse"; did you mean "stages"?`]);
  });

  it('unknown service key with a suggestion, and one too far from any key lists them all', () => {
    assert.deepEqual(problems('stack: shop\nservice:\n  helthCheck: /h\n  colour: blue\n'), [
      `${FILE}:3:3: service.helthCheck: unknown key "helthCheck"; did you mean "healthCheck"?`,
      `${FILE}:4:3: service.colour: unknown key "colour"; expected one of: ${SCHEMA.knownKeys.service.join(', ')}`,
    ]);
  });

  it('wrong types, pointing at the value', () => {
    const text = 'stack: shop\nservice:\n  port: "80"\nstages:\n  - name: dev\n    requireApproval: yes\n    env: [a]\n    origins: https://x.example.com\n';
    assert.deepEqual(problems(text), [
      `${FILE}:3:9: service.port: expected a number, got a string`,
      `${FILE}:6:22: stages[0].requireApproval: expected true or false, got a string`,
      `${FILE}:7:10: stages[0].env: expected a mapping (key: value), got a list`,
      `${FILE}:8:14: stages[0].origins: expected a list, got a string`,
    ]);
  });

  it('a port out of range and a health check that is not a path', () => {
    assert.deepEqual(problems('stack: shop\nservice:\n  port: 70000\n  healthCheck: health\n'), [
      `${FILE}:3:9: service.port: number must be less than or equal to 65535`,
      `${FILE}:4:16: service.healthCheck: must be a path starting with "/"`,
    ]);
  });

  it('a provider outside the enum', () => {
    const p = only('stack: shop\nstages:\n  - name: dev\n    provider: gcp\n');
    assert.equal(formatProblem(p), `${FILE}:4:15: stages[0].provider: "gcp" is not allowed: expected one of "local", "aws"`);
    assert.deepEqual([p.endLine, p.endColumn], [4, 18]);
  });

  it('a bad branch model and database', () => {
    assert.deepEqual(problems('stack: shop\nbranchModel: gitlab\nstages:\n  - name: dev\n    database: mysql\n'), [
      `${FILE}:2:14: branchModel: "gitlab" is not allowed: expected one of "gitflow", "trunk"`,
      `${FILE}:5:15: stages[0].database: "mysql" is not allowed: expected one of "postgres", "none"`,
    ]);
  });

  it('a missing stack name and a stage without a name', () => {
    assert.deepEqual(problems('stages:\n  - provider: local\n'), [
      `${FILE}:1:1: stack: is required: expected a string`,
      `${FILE}:2:5: stages[0].name: is required: expected a string`,
    ]);
  });

  it('duplicate stage names, case-insensitively, at the later one', () => {
    assert.deepEqual(problems('stack: shop\nstages:\n  - name: dev\n  - name: test\n  - name: Dev\n'), [
      `${FILE}:5:11: stages[2].name: duplicate stage name "Dev": stages[0] already has it; stage names must be unique`,
    ]);
  });

  it('invalid stack and stage names', () => {
    assert.deepEqual(problems('stack: 1shop\nstages:\n  - name: my_stage\n  - name: dev-\n  - name: ""\n'), [
      `${FILE}:1:8: stack: "1shop" is not a valid stack name: start with a letter, then use only letters, digits and hyphens`,
      `${FILE}:3:11: stages[0].name: "my_stage" is not a valid stage name: start with a letter, then use only letters, digits and hyphens`,
      `${FILE}:4:11: stages[1].name: "dev-" is not a valid stage name: it cannot end with a hyphen`,
      `${FILE}:5:11: stages[2].name: a stage name cannot be empty`,
    ]);
  });

  it('`<stack>-<stage>` of an AWS stage longer than 128 characters, and not at 128', () => {
    const stack = 's'.repeat(100);
    const text = `stack: ${stack}\nstages:\n  - name: ${'d'.repeat(28)}\n    provider: aws\n  - name: ${'e'.repeat(27)}\n    provider: aws\n`;
    assert.deepEqual(problems(text), [
      `${FILE}:3:11: stages[0].name: "${stack}-${'d'.repeat(28)}" is 129 characters; CloudFormation allows at most 128`,
    ]);
  });

  it('YAML syntax errors', () => {
    assert.deepEqual(problems('stack: shop\nstages:\n  - name: dev\n   provider: local\n'), [
      `${FILE}:4:1: YAML syntax: Sequence item without - indicator`,
    ]);
    assert.deepEqual(problems('stack: shop\nservice:\n  start: "node server.js\n'), [`${FILE}:4:1: YAML syntax: Missing closing "quote`]);
  });

  it('duplicate YAML keys, at the second one, with its path', () => {
    assert.deepEqual(problems('stack: shop\nstack: other\n'), [`${FILE}:2:1: stack: duplicate key "stack": a key may appear only once in a mapping`]);
    const p = only('stack: shop\nstages:\n  - name: dev\n    env:\n      A: "1"\n      A: "2"\n');
    assert.equal(formatProblem(p), `${FILE}:6:7: stages[0].env.A: duplicate key "A": a key may appear only once in a mapping`);
    assert.deepEqual([p.endLine, p.endColumn], [6, 8]);
  });

  it('an empty file, or one with only comments', () => {
    const expected = [`${FILE}:1:1: the file is empty: expected a mapping with at least \`stack:\` and \`stages:\``];
    assert.deepEqual(problems(''), expected);
    assert.deepEqual(problems('# nothing yet\n'), expected);
  });

  it('a file that is not a mapping', () => {
    assert.deepEqual(problems('- dev\n- prod\n'), [`${FILE}:1:1: expected a mapping (key: value), got a list`]);
  });

  it('bad environment variable names, including reserved ones', () => {
    const text = 'stack: shop\nstages:\n  - name: dev\n    env:\n      1BAD: x\n      PORT: 1\n      GOOD_NAME: ok\n      "WITH-DASH": y\n';
    assert.deepEqual(problems(text), [
      `${FILE}:5:7: stages[0].env.1BAD: "1BAD" is not a valid environment variable name: use letters, digits and underscores, not starting with a digit`,
      `${FILE}:6:7: stages[0].env.PORT: "PORT" is set by Stagecraft for every stage and cannot be overridden`,
      `${FILE}:8:7: stages[0].env.WITH-DASH: "WITH-DASH" is not a valid environment variable name: use letters, digits and underscores, not starting with a digit`,
    ]);
  });

  it('bad origins, each at its list item', () => {
    const text = 'stack: shop\nstages:\n  - name: dev\n    origins:\n      - https://a.example.com\n      - https://b.example.com/path\n      - ftp://x\n      - http://x:99999\n';
    assert.deepEqual(problems(text), [
      `${FILE}:6:9: stages[0].origins[1]: "https://b.example.com/path" is not an origin: expected scheme://host[:port], for example https://app.example.com, with no path`,
      `${FILE}:7:9: stages[0].origins[2]: "ftp://x" is not an origin: expected scheme://host[:port], for example https://app.example.com, with no path`,
      `${FILE}:8:9: stages[0].origins[3]: "http://x:99999" has port 99999: expected 1 to 65535`,
    ]);
  });

  it('secret references: a misspelt key, a missing name, a wrong type, a list', () => {
    const text = [
      'stack: shop',
      'stages:',
      '  - name: dev',
      '    env:',
      '      OK: { secret: db-password }',
      '      TYPO: { secrt: x }',
      '      EMPTY: { secret: "" }',
      '      NUMBER: { secret: 3 }',
      '      LIST: [1]',
      '',
    ].join('\n');
    assert.deepEqual(problems(text), [
      `${FILE}:6:7: stages[0].env.TYPO.secret: is required: expected a string`,
      `${FILE}:6:15: stages[0].env.TYPO.secrt: unknown key "secrt"; did you mean "secret"?`,
      `${FILE}:7:24: stages[0].env.EMPTY.secret: cannot be empty: expected a non-empty string`,
      `${FILE}:8:25: stages[0].env.NUMBER.secret: expected a string, got a number`,
      `${FILE}:9:13: stages[0].env.LIST: expected a string, a number, a boolean, or \`{ secret: NAME }\` for a value kept as a stage secret`,
    ]);
  });

  it('sorts problems by position', () => {
    const found = parseStackFile(readFixture('stackfiles', 'invalid.yaml'), FILE, SCHEMA).problems;
    assert.deepEqual(
      found.map(p => [p.line, p.field]),
      [
        [4, 'stages[0].provder'],
        [6, 'stages[1].provider'],
        [8, 'stages[2].requireApproval'],
      ],
    );
    assert.ok(found.every(p => p.severity === 'error'));
  });
});

describe('config/load: loadStackFile', () => {
  const temp = new TempDirs();
  after(() => temp.cleanup());

  it('reads stagecraft.yaml from a folder, with its text and path', async () => {
    const dir = temp.make();
    const text = 'stack: shop\nstages:\n  - name: dev\n';
    writeFileSync(join(dir, STACK_FILE), text);
    const loaded = await loadStackFile(dir);
    assert.equal(loaded?.file, join(dir, STACK_FILE));
    assert.equal(loaded?.text, text);
    assert.equal(loaded?.stack?.root, dir);
    assert.deepEqual(loaded?.stack?.stages.map(s => s.name), ['dev']);
  });

  it('is undefined when the folder has no stagecraft.yaml', async () => {
    assert.equal(await loadStackFile(temp.make()), undefined);
  });
});
