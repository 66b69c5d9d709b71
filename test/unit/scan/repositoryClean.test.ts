import * as assert from 'node:assert/strict';
import { scanTree } from '../../../src/core/scan';
import { repoRoot } from './helpers';

/**
 * This repository's own `stagecraft scan` must come out clean: test values that look like secrets
 * are assembled at run time or cut by the corpus's join marker (test/fixtures/secrets/README.md).
 * A failure here names file:line and the rule; fix the file rather than silencing the test.
 */
describe('this repository', () => {
  it('holds no secret that stagecraft scan would report', async function () {
    this.timeout(60_000);
    const report = await scanTree(repoRoot());
    assert.ok(report.scanned > 100, `only ${report.scanned} files scanned`);
    assert.deepEqual(
      report.findings.map(f => `${f.file}:${f.line}:${f.column} ${f.ruleId}`),
      [],
    );
  });
});
