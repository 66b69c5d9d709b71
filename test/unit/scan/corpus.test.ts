import * as assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { scanPaths } from '../../../src/core/scan';
import { joined, JOIN_MARKER, removeTempDirs, repoRoot, tempDir } from './helpers';

const corpus = path.join(repoRoot(), 'test/fixtures/secrets');
const expected = JSON.parse(readFileSync(path.join(corpus, 'expected.json'), 'utf8')) as Record<string, Array<{ line: number; rule: string }>>;

function samples(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap(e => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    return e.isDirectory() ? samples(dir, rel) : [rel];
  });
}

describe('secret corpus (test/fixtures/secrets)', () => {
  let joinedRoot: string;
  const files = samples(corpus).filter(f => f.startsWith('must-'));

  before(() => {
    joinedRoot = tempDir();
    cpSync(corpus, joinedRoot, { recursive: true });
    for (const f of files) {
      const p = path.join(joinedRoot, f);
      writeFileSync(p, joined(readFileSync(p, 'utf8')));
    }
  });
  after(removeTempDirs);

  it('has an expectation for every sample and a sample for every expectation', () => {
    assert.deepEqual([...files].sort(), Object.keys(expected).sort());
  });

  it('finds exactly the expected secrets in each sample, and nothing in the look-alikes', async () => {
    const report = await scanPaths(joinedRoot, files);
    assert.equal(report.scanned, files.length);
    for (const file of files) {
      const got = report.findings
        .filter(f => f.file === file)
        .map(f => `${f.line} ${f.ruleId}`)
        .sort();
      const want = expected[file].map(e => `${e.line} ${e.rule}`).sort();
      assert.deepEqual(got, want, file);
    }
  });

  it('finds nothing in the corpus as committed, where each secret is cut by the join marker', async () => {
    const report = await scanPaths(corpus, files);
    assert.deepEqual(report.findings.map(f => `${f.file}:${f.line} ${f.ruleId}`), []);
    assert.ok(files.every(f => readFileSync(path.join(corpus, f), 'utf8').includes(JOIN_MARKER) || f.startsWith('must-not-find/')), 'every must-find sample is cut');
  });

  it('never puts a secret value in a message', async () => {
    const report = await scanPaths(joinedRoot, files);
    for (const f of report.findings) {
      const text = readFileSync(path.join(joinedRoot, f.file), 'utf8');
      const secret = text.slice(f.start, f.end);
      assert.ok(secret.length >= 4);
      assert.ok(!f.message.includes(secret), `${f.file}:${f.line} message shows the value`);
    }
  });
});
