import * as assert from 'node:assert/strict';
import { matchesBranch, stageForBranch } from '../../../src/core/branches';
import { parseStackFile } from '../../../src/core/config/load';
import type { Stack } from '../../../src/core/model';

function stack(yaml: string): Stack {
  const r = parseStackFile(yaml, '/app/stagecraft.yaml');
  assert.deepEqual(r.problems, []);
  return r.stack!;
}

const GITFLOW = stack('stack: shop\nstages:\n  - name: dev\n  - name: qa\n  - name: prod\n');

describe('branches: GitFlow defaults (seed 001: branch → stage)', () => {
  // The table of the seed, row by row, with the developer "shentonfreude" of its example.
  const table: Array<[branch: string, stage: string, reason: string]> = [
    ['bugfix/typo', 'local', 'GitFlow: other branches work on this computer only'],
    ['spike', 'local', 'GitFlow: other branches work on this computer only'],
    ['feature/cs/VW-525_create_cicd_framework', 'shentonfreude', "GitFlow: feature/* → the developer's own stage"],
    ['feature/login', 'shentonfreude', "GitFlow: feature/* → the developer's own stage"],
    ['develop', 'dev', 'GitFlow: develop → dev'],
    ['release/1.4', 'qa', 'GitFlow: release/* → qa'],
    ['release/2025-q3/rc1', 'qa', 'GitFlow: release/* → qa'],
    ['master', 'prod', 'GitFlow: master → prod'],
    ['main', 'prod', 'GitFlow: main → prod'],
  ];
  for (const [branch, stage, reason] of table) {
    it(`${branch} → ${stage}`, () => {
      const target = stageForBranch(GITFLOW, branch, 'shentonfreude');
      assert.equal(target.stage, stage);
      assert.equal(target.reason, reason);
      assert.equal(target.defined?.name, ['dev', 'qa', 'prod'].includes(stage) ? stage : undefined);
    });
  }

  it('feature/* goes to a stage named after the git user, slugified', () => {
    assert.equal(stageForBranch(GITFLOW, 'feature/x', 'Jane Doe').stage, 'jane-doe');
    assert.equal(stageForBranch(GITFLOW, 'feature/x', 'jane.doe@example.com').stage, 'jane-doe');
    const withOwnStage = stack('stack: shop\nstages:\n  - name: jane-doe\n  - name: prod\n');
    assert.equal(stageForBranch(withOwnStage, 'feature/x', 'Jane Doe').defined?.name, 'jane-doe');
  });

  it('names the stage even when the stack does not define it (defined is then absent)', () => {
    const onlyProd = stack('stack: shop\nstages:\n  - name: prod\n');
    const target = stageForBranch(onlyProd, 'develop', 'u');
    assert.equal(target.stage, 'dev');
    assert.equal(target.defined, undefined);
  });

  it('is exact about branch names: developer, mainline and release without a slash are other branches', () => {
    for (const branch of ['developer', 'mainline', 'release', 'features/x', 'Feature/x']) assert.equal(stageForBranch(GITFLOW, branch, 'u').stage, 'local', branch);
  });
});

describe('branches: explicit `branches:` patterns', () => {
  const explicit = stack(
    [
      'stack: shop',
      'stages:',
      '  - name: dev',
      '  - name: preview',
      '    branches: [feature/*]',
      '  - name: hotfix',
      '    branches: ["hotfix/**", "fix-?"]',
      '  - name: qa',
      '    branches: [release/1.0]',
      '  - name: prod',
      '  - name: also-feature',
      '    branches: [feature/*]',
      '',
    ].join('\n'),
  );

  it('a matching pattern wins over the GitFlow default, first stage in order first', () => {
    const target = stageForBranch(explicit, 'feature/login', 'jane');
    assert.equal(target.stage, 'preview');
    assert.equal(target.defined?.name, 'preview');
    assert.equal(target.reason, 'stage "preview" lists branch pattern "feature/*"');
  });

  it('`*` stays within one path segment, `**` crosses them, `?` is one character', () => {
    assert.equal(stageForBranch(explicit, 'feature/a/b', 'jane').stage, 'jane', 'feature/* does not match two segments');
    assert.equal(stageForBranch(explicit, 'hotfix/2024/cve', 'jane').stage, 'hotfix');
    assert.equal(stageForBranch(explicit, 'fix-1', 'jane').stage, 'hotfix');
    assert.equal(stageForBranch(explicit, 'fix-12', 'jane').stage, 'local');
  });

  it('dots in patterns are literal', () => {
    assert.equal(stageForBranch(explicit, 'release/1.0', 'jane').stage, 'qa');
    assert.equal(stageForBranch(explicit, 'release/1x0', 'jane').defined, undefined, 'falls back to GitFlow release/* → qa, which lists its own branches');
  });

  it('a stage with its own patterns no longer takes its GitFlow default branch', () => {
    const target = stageForBranch(explicit, 'release/2.0', 'jane');
    assert.equal(target.stage, 'qa');
    assert.equal(target.defined, undefined);
    assert.equal(stageForBranch(explicit, 'develop', 'jane').defined?.name, 'dev');
  });

  it('matchesBranch', () => {
    assert.equal(matchesBranch('main', 'main'), true);
    assert.equal(matchesBranch('main', 'main2'), false);
    assert.equal(matchesBranch('feature/*', 'feature/'), true);
    assert.equal(matchesBranch('feature/*', 'feature/a/b'), false);
    assert.equal(matchesBranch('feature/**', 'feature/a/b'), true);
    assert.equal(matchesBranch('**', 'anything/at/all'), true);
    assert.equal(matchesBranch('v(1)+', 'v(1)+'), true, 'regex characters are literal');
    assert.equal(matchesBranch('v(1)+', 'v11'), false);
  });
});

describe('branches: trunk mode', () => {
  const trunk = stack('stack: shop\nbranchModel: trunk\nstages:\n  - name: test\n  - name: prod\n');

  it('main and master deploy to the first stage', () => {
    for (const branch of ['main', 'master']) {
      const target = stageForBranch(trunk, branch, 'jane');
      assert.equal(target.stage, 'test');
      assert.equal(target.defined?.index, 0);
      assert.equal(target.reason, 'trunk mode: main deploys through the stages in order');
    }
  });

  it('every other branch, develop and feature/* included, deploys nowhere', () => {
    for (const branch of ['develop', 'feature/x', 'release/1']) {
      assert.deepEqual(stageForBranch(trunk, branch, 'jane'), { stage: 'local', defined: undefined, reason: 'trunk mode: only main deploys' });
    }
  });

  it('with no stages, main has nowhere to go', () => {
    const empty = stack('stack: shop\nbranchModel: trunk\n');
    assert.equal(stageForBranch(empty, 'main', 'jane').reason, 'trunk mode: no stage to deploy to');
  });

  it('explicit patterns still win', () => {
    const mixed = stack('stack: shop\nbranchModel: trunk\nstages:\n  - name: preview\n    branches: [feature/*]\n  - name: prod\n');
    assert.equal(stageForBranch(mixed, 'feature/a', 'jane').stage, 'preview');
    assert.equal(stageForBranch(mixed, 'main', 'jane').stage, 'prod', 'the first stage without its own patterns');
  });
});
