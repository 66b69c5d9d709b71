import { builtinSchema } from '../../support/providers';
import * as assert from 'node:assert/strict';
import { branchTable, routeForBranch, type BranchUser } from '../../../../src/core/branches';
import { parseStackFile } from '../../../../src/core/config/load';
import type { Stack } from '../../../../src/core/model';
import { personalStageName } from '../../../../src/core/personal/name';

function stack(yaml: string): Stack {
  const r = parseStackFile(yaml, '/app/stagecraft.yaml');
  assert.deepEqual(r.problems, []);
  return r.stack!;
}

const user = (name: string, override?: string): BranchUser => ({ name, personalName: personalStageName('shop', name, override) });
const JANE = user('Jane Doe');
const GITFLOW = stack('stack: shop\nstages:\n  - name: dev\n  - name: qa\n  - name: test\n  - name: prod\n    requireApproval: true\n');

describe('branches: routeForBranch (where a run goes)', () => {
  const table: Array<[string, string[]]> = [
    ['develop', ['dev']],
    ['release/1.2', ['qa', 'prod']],
    ['hotfix/cve-1', ['qa', 'prod']],
    ['main', ['prod']],
    ['master', ['prod']],
    ['feature/login', ['jane-doe']],
    ['bugfix/typo', []],
    ['Feature/x', []],
  ];
  for (const [branch, stages] of table) {
    it(`GitFlow: ${branch} → ${stages.join(' → ') || 'nothing'}`, () => assert.deepEqual(routeForBranch(GITFLOW, branch, JANE).stages, stages));
  }

  it('the test stage is on no GitFlow route; a stage the route starts with must exist', () => {
    const noQa = stack('stack: shop\nstages:\n  - name: dev\n  - name: prod\n');
    const r = routeForBranch(noQa, 'release/1.0', JANE);
    assert.deepEqual(r.stages, []);
    assert.match(r.reason, /but the stack has no stage "qa"/);
  });

  it('a feature branch routes to a personal stage that the run creates', () => {
    const r = routeForBranch(GITFLOW, 'feature/a', JANE);
    assert.deepEqual(r.personal, { name: 'jane-doe' });
  });

  it('a developer whose name is a shared stage is refused, with the fix', () => {
    const r = routeForBranch(GITFLOW, 'feature/a', user('Prod'));
    assert.deepEqual(r.stages, []);
    assert.match(r.problem!, /would be named "prod", which is the shared stage "prod"/);
    assert.match(r.hint!, /git config stagecraft\.stage/);
    assert.deepEqual(routeForBranch(GITFLOW, 'feature/a', user('Prod', 'prod-dan')).stages, ['prod-dan']);
  });

  it('personal: { enabled: false } sends feature branches nowhere', () => {
    const off = stack('stack: shop\nstages:\n  - name: dev\npersonal:\n  enabled: false\n');
    assert.deepEqual(routeForBranch(off, 'feature/a', JANE).stages, []);
  });

  it('branches: patterns win, every matching stage in promotion order', () => {
    const explicit = stack('stack: shop\nstages:\n  - name: preview\n    branches: ["pr/*"]\n  - name: staging\n    branches: ["pr/*", "main"]\n  - name: prod\n');
    assert.deepEqual(routeForBranch(explicit, 'pr/12', JANE).stages, ['preview', 'staging']);
    assert.deepEqual(routeForBranch(explicit, 'main', JANE).stages, ['staging']);
  });

  it('trunk: main goes through every stage in order, other branches nowhere', () => {
    const trunk = stack('stack: shop\nbranchModel: trunk\nstages:\n  - name: dev\n  - name: test\n  - name: prod\n');
    assert.deepEqual(routeForBranch(trunk, 'main', JANE).stages, ['dev', 'test', 'prod']);
    assert.deepEqual(routeForBranch(trunk, 'feature/x', JANE).stages, []);
  });

  it('the mapping table names each rule and what it reaches in this stack', () => {
    const rows = branchTable(stack('stack: shop\nstages:\n  - name: dev\n  - name: prod\n'), JANE);
    assert.deepEqual(rows, [
      '  Branch        Stages',
      '  develop       dev',
      '  release/*     (nothing: the stack has no stage "qa")',
      '  hotfix/*      (nothing: the stack has no stage "qa")',
      '  main, master  prod',
      '  feature/*     jane-doe',
    ]);
  });
});

describe('personal stage names (git user → CloudFormation-safe stage name)', () => {
  const cases: Array<[string, string]> = [
    ['Jane Doe', 'jane-doe'],
    ['jane.doe@example.com', 'jane-doe'],
    ["Zoë O'Brien", 'zoe-o-brien'],
    ['42 Douglas', 'douglas'],
    ['shentonfreude', 'shentonfreude'],
  ];
  for (const [raw, name] of cases) it(`${raw} → ${name}`, () => assert.equal(personalStageName('shop', raw).name, name));

  it('a user with no usable letters gets the cause and the fix', () => {
    for (const raw of ['李雷', '1234', '---']) {
      const r = personalStageName('shop', raw);
      assert.equal(r.name, undefined, raw);
      assert.match(r.problem!, /no letters a stage name may use/);
      assert.match(r.hint!, /git config stagecraft\.stage NAME/);
    }
  });

  it('long names are cut to 32 characters without a trailing hyphen', () => {
    const r = personalStageName('shop', 'Maximilian Alexander von Hohenberg-Sigmaringen');
    assert.ok(r.name!.length <= 32 && !r.name!.endsWith('-'), r.name);
  });

  it('an override from git config is checked like any stage name', () => {
    assert.equal(personalStageName('shop', 'x', 'jd').name, 'jd');
    assert.match(personalStageName('shop', 'x', 'j_d').problem!, /git config stagecraft\.stage: "j_d" is not a valid stage name/);
  });
});

describe('stagecraft.yaml: the personal block', () => {
  const problems = (yaml: string) => parseStackFile(yaml, '/app/stagecraft.yaml', builtinSchema()).problems.map(p => `${p.line}:${p.column} ${p.field}: ${p.message}`);

  it('a TTL that does not parse is an error at its line and column, with the form expected', () => {
    assert.deepEqual(problems('stack: shop\npersonal:\n  ttl: 7 days\n'), ['3:8 personal.ttl: expected a time to live such as "7d", "36h" or "90m"']);
  });

  it('a misspelt key gets a suggestion; bad env names and origins are located', () => {
    assert.deepEqual(problems('stack: shop\npersonal:\n  databse: postgres\n'), ['3:3 personal.databse: unknown key "databse"; did you mean "database"?']);
    const bad = problems('stack: shop\npersonal:\n  env:\n    "1X": y\n  origins: [nope]\n');
    assert.equal(bad.length, 2);
    assert.match(bad[0], /^4:5 personal\.env\.1X: /);
    assert.match(bad[1], /^5:13 personal\.origins\[0\]: /);
  });
});
