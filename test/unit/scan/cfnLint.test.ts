import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseCfnLintJson, runCfnLint } from '../../../src/core/lint/cfnLint';
import { isUnderTemplatesDir, looksLikeCloudFormation, templatesNamedInStackFile } from '../../../src/core/lint/templates';
import { removeTempDirs, tempDir } from './helpers';

function cfnLintInstalled(): boolean {
  try {
    execFileSync('cfn-lint', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const BAD_TEMPLATE = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketNam: x\n';
const GOOD_TEMPLATE = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n';

describe('template lint (cfn-lint)', () => {
  after(removeTempDirs);

  it('says cfn-lint is missing instead of failing when it is not installed', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 't.yaml'), BAD_TEMPLATE);
    const result = await runCfnLint(dir, ['t.yaml'], { command: 'stagecraft-test-no-such-cfn-lint' });
    assert.equal(result.available, false);
    assert.match(!result.available ? result.reason : '', /not installed/);
  });

  it('turns cfn-lint JSON into positioned problems', () => {
    const json = JSON.stringify([
      { Filename: 't.yaml', Level: 'Error', Message: 'bad property', Rule: { Id: 'E3002' }, Location: { Start: { LineNumber: 6, ColumnNumber: 7 }, End: { LineNumber: 6, ColumnNumber: 16 } } },
      { Filename: 't.yaml', Level: 'Warning', Message: 'w', Rule: { Id: 'W2001' }, Location: { Start: { LineNumber: 2, ColumnNumber: 1 }, End: { LineNumber: 2, ColumnNumber: 5 } } },
      { Filename: 't.yaml', Level: 'Informational', Message: 'i', Rule: { Id: 'I3011' } },
    ]);
    const problems = parseCfnLintJson(json);
    assert.deepEqual(
      problems.map(p => [p.rule, p.level, p.line, p.column, p.endLine, p.endColumn]),
      [
        ['E3002', 'error', 6, 7, 6, 16],
        ['W2001', 'warning', 2, 1, 2, 5],
        ['I3011', 'info', 1, 1, 1, 1],
      ],
    );
    assert.deepEqual(parseCfnLintJson(''), []);
  });

  it('runs the real cfn-lint on a broken and a clean template', async function () {
    if (!cfnLintInstalled()) this.skip();
    this.timeout(60_000);
    const dir = tempDir();
    writeFileSync(path.join(dir, 'bad.yaml'), BAD_TEMPLATE);
    writeFileSync(path.join(dir, 'good.yaml'), GOOD_TEMPLATE);
    const bad = await runCfnLint(dir, ['bad.yaml']);
    assert.ok(bad.available);
    const e = bad.available ? bad.problems.find(p => p.rule === 'E3002') : undefined;
    assert.ok(e, 'E3002 for the misspelt property');
    assert.deepEqual([e.line, e.column], [6, 7]);
    const good = await runCfnLint(dir, ['good.yaml']);
    assert.deepEqual(good.available ? good.problems.filter(p => p.level === 'error') : ['unavailable'], []);
  });

  it('knows which files are templates: under templates/, or named in stagecraft.yaml', () => {
    assert.ok(isUnderTemplatesDir('templates/stage.yaml'));
    assert.ok(isUnderTemplatesDir('templates/nested/pipeline.json'));
    assert.ok(!isUnderTemplatesDir('templates/README.md'));
    assert.ok(!isUnderTemplatesDir('src/templates.yaml'));
    const stack = 'stack: shop\nservice:\n  template: infra/service.yaml\nstages:\n  - name: dev\n    extra:\n      - ./infra/db.template\n      - https://example.org/x.yaml\n';
    assert.deepEqual(templatesNamedInStackFile(stack).sort(), ['infra/db.template', 'infra/service.yaml']);
    assert.ok(looksLikeCloudFormation(GOOD_TEMPLATE));
    assert.ok(looksLikeCloudFormation('{"Resources": {}}'));
    assert.ok(!looksLikeCloudFormation('name: ci\non: push\n'));
  });
});
