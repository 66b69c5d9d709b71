import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { formatJson, formatSarif, formatText, scanPaths, scanText, scanTree, skipReason } from '../../../src/core/scan';
import { StagecraftError } from '../../../src/core/errors';
import { awsCredentialsFile, FAKE, git, initRepo, removeTempDirs, tempDir } from './helpers';

function write(root: string, file: string, content: string | Buffer): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), content);
}

describe('scanner', () => {
  after(removeTempDirs);

  it('locates findings by 1-based line and column and by offsets into the given text, also after a BOM', async () => {
    const root = tempDir();
    const key = FAKE.awsKeyId();
    for (const bom of ['', '\uFEFF']) {
      const text = `${bom}first line\n  const k = "${key}";\n`;
      const [f] = await scanText(root, 'a.ts', text);
      assert.equal(text.slice(f.start, f.end), key);
      assert.deepEqual([f.line, f.column, f.endLine, f.endColumn], [2, 14, 2, 34]);
    }
  });

  it('reports the AWS secret access key itself, not the line up to it', async () => {
    const [, secret] = await scanText(tempDir(), 'c.ini', awsCredentialsFile());
    assert.equal(awsCredentialsFile().slice(secret.start, secret.end), FAKE.awsSecret());
  });

  it('skips binary, oversized and large generated files, and scans large hand-written ones', () => {
    assert.equal(skipReason('a.png', 10, Buffer.from([0x89, 0x50, 0x00, 0x01])), 'binary');
    assert.equal(skipReason('a.ts', 9 * 1024 * 1024, 'x'), 'too-large');
    const big = 'const a = 1;\n'.repeat(60_000);
    assert.equal(skipReason('vendor/app.min.js', big.length, big), 'generated');
    assert.equal(skipReason('package-lock.json', big.length, big), 'generated');
    assert.equal(skipReason('bundle.js', 600_000, 'x'.repeat(600_000)), 'generated', 'one very long line: minified');
    assert.equal(skipReason('src/big.ts', big.length, big), undefined);
    assert.equal(skipReason('package-lock.json', 2000, '{}'), undefined, 'small lockfiles are scanned');
  });

  it('scans a git work tree as git sees it: tracked and untracked files, not ignored ones', async () => {
    const repo = initRepo();
    write(repo, '.gitignore', 'build/\n');
    write(repo, 'src/tracked.ts', `k = "${FAKE.awsKeyId()}"\n`);
    write(repo, 'build/out.js', `k = "${FAKE.awsKeyId()}"\n`);
    write(repo, 'logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00]));
    git(repo, 'add', 'src/tracked.ts', 'logo.png', '.gitignore');
    write(repo, 'notes/untracked.ts', `k = "${FAKE.awsKeyId()}"\n`);
    const report = await scanTree(repo);
    assert.deepEqual(report.findings.map(f => f.file).sort(), ['notes/untracked.ts', 'src/tracked.ts']);
    // Binary files are scanned too (a NUL byte must not hide a key); only git-ignored ones stay out.
    assert.deepEqual(report.skipped, []);
    assert.equal(report.scanned, 4);
  });

  it('walks a folder that is not a repository, without .git and node_modules', async () => {
    const root = tempDir();
    write(root, 'a.ts', `k = "${FAKE.awsKeyId()}"\n`);
    write(root, 'node_modules/x/index.js', `k = "${FAKE.awsKeyId()}"\n`);
    const report = await scanTree(root);
    assert.deepEqual(report.findings.map(f => f.file), ['a.ts']);
  });

  it('scans named files and folders, and rejects a path that does not exist as bad input', async () => {
    const root = tempDir();
    write(root, 'one/a.ts', `k = "${FAKE.awsKeyId()}"\n`);
    write(root, 'two/b.ts', `k = "${FAKE.awsKeyId()}"\n`);
    assert.deepEqual((await scanPaths(root, ['one'])).findings.map(f => f.file), ['one/a.ts']);
    assert.deepEqual((await scanPaths(root, [path.join(root, 'two/b.ts')])).findings.map(f => f.file), ['two/b.ts']);
    await assert.rejects(scanPaths(root, ['three']), (e: StagecraftError) => e.kind === 'input' && e.message.includes('three'));
  });

  it('stops when its signal is aborted', async () => {
    const root = tempDir();
    for (let i = 0; i < 50; i++) write(root, `f${i}.ts`, 'const a = 1;\n');
    const controller = new AbortController();
    const run = scanTree(root, {
      signal: controller.signal,
      onProgress: p => {
        if (p.done === 5) controller.abort();
      },
    });
    await assert.rejects(run, (e: StagecraftError) => e.cancelled);
  });

  it('keeps secretlint from piling up performance marks (its profiler runs unasked in v11)', async () => {
    const root = tempDir();
    for (let i = 0; i < 20; i++) await scanText(root, `f${i}.ts`, 'const a = 1;\n');
    await new Promise(r => setTimeout(r, 10));
    const marks = performance.getEntriesByType('mark').filter(m => m.name.startsWith('@core>'));
    assert.deepEqual(marks, []);
  });

  describe('output formats', () => {
    let report: Awaited<ReturnType<typeof scanPaths>>;
    before(async () => {
      const root = tempDir();
      write(root, 'deploy/creds.ini', awsCredentialsFile());
      report = await scanPaths(root, ['deploy']);
    });

    it('text: file:line:column, the rule and a masked message, then a summary', () => {
      const lines = formatText(report);
      assert.match(lines[0], /^deploy\/creds\.ini:2:21 {2}@secretlint\/secretlint-rule-aws {2}found AWS Access Key ID: \*{4}$/);
      assert.match(lines[lines.length - 1], /^2 secret\(s\) found in 1 file\(s\); 1 file\(s\) scanned/);
    });

    it('json and sarif carry positions and rules, and no format carries a secret', () => {
      const json = JSON.parse(formatJson(report));
      assert.equal(json.findings.length, 2);
      assert.deepEqual(Object.keys(json.findings[0]).sort(), ['column', 'end', 'endColumn', 'endLine', 'file', 'line', 'message', 'messageId', 'ruleId', 'severity', 'start'].concat(json.findings[0].docsUrl ? ['docsUrl'] : []).sort());
      const sarif = JSON.parse(formatSarif(report, '1.2.3'));
      assert.equal(sarif.version, '2.1.0');
      const result = sarif.runs[0].results[0];
      assert.deepEqual(result.locations[0].physicalLocation.region, { startLine: 2, startColumn: 21, endLine: 2, endColumn: 41 });
      assert.equal(sarif.runs[0].tool.driver.rules[result.ruleIndex].id, result.ruleId);
      for (const out of [formatText(report).join('\n'), formatJson(report), formatSarif(report, '1')]) {
        assert.ok(!out.includes(FAKE.awsKeyId()) && !out.includes(FAKE.awsSecret()), 'a secret leaked into the output');
      }
    });
  });
});
