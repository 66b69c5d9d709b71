import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { formatText, scanStaged, scanTree, type Finding } from '../../src/core/scan';
import { CHUNK_CHARS } from '../../src/core/scan/chunks';
import { CLI, ensureCliBuilt } from '../unit/cli/support/cli';
import { git, gitEnv, initRepo, removeTempDirs } from '../unit/scan/helpers';
import { concatenated, SECRET_KINDS, type SecretSample } from './support/secretCorpus';

/**
 * Issue 20 item 8 and issue 13: the pre-commit scan cannot be slipped past. A corpus of secrets in
 * their real formats (fake random values), hidden each way the probe found, must all be found.
 */
function write(root: string, file: string, content: string | Buffer): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), content);
}

/** Filler that reads like code and holds no secret. */
function filler(bytes: number, lineLength = 72): string {
  const line = 'const order = computeTotal(items, region, retries); // cache user stage'.slice(0, lineLength - 1).padEnd(lineLength - 1, ' ');
  return `${line}\n`.repeat(Math.ceil(bytes / lineLength));
}

interface Placed {
  variant: string;
  kind: string;
  file: string;
  /** Offset range of the hidden secret in the file's text (undefined: anywhere in the file). */
  range?: [number, number];
}

/** Hides every kind of secret in every way, one file per hiding place unless noted; returns where. */
function plantCorpus(repo: string): Placed[] {
  const placed: Placed[] = [];
  const samples: SecretSample[] = SECRET_KINDS.map(k => k.make());
  const each = (variant: string, name: (kind: string, i: number) => string, content: (s: SecretSample) => string | Buffer) =>
    samples.forEach((s, i) => {
      const file = name(s.kind, i);
      write(repo, file, content(s));
      placed.push({ variant, kind: s.kind, file });
    });
  each('plain', (_, i) => `src/plain${i}.txt`, s => `# settings\n${s.text}\n`);
  each('after a NUL byte', (_, i) => `src/nul${i}.ts`, s => Buffer.concat([Buffer.from('// build marker \0 do not edit\n'), Buffer.from(`${s.text}\n`)]));
  each('in a binary file', (_, i) => `assets/blob${i}.bin`, s => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]), Buffer.alloc(2048, 0), Buffer.from(`\n${s.text}\n`), Buffer.alloc(512, 0xff)]));
  each('base64', (_, i) => `src/b64_${i}.ts`, s => `export const blob = "${Buffer.from(s.text).toString('base64')}";\n`);
  each('hex', (_, i) => `src/hex_${i}.ts`, s => `export const blob = '${Buffer.from(s.text).toString('hex')}';\n`);
  each('concatenated literals', (_, i) => `src/concat${i}.ts`, s => `export const key = ${concatenated(s.text)};\n`);
  each('under .stagecraft/', (_, i) => `.stagecraft/secrets/dev${i}.env`, s => `${s.text}\n`);
  each('under node_modules/', (_, i) => `node_modules/pkg${i}/config.txt`, s => `${s.text}\n`);

  // One 9 MB file (the old limit was 8 MB), every kind at a spread-out line, one across a chunk boundary.
  let big = '';
  samples.forEach((s, i) => {
    big += filler(i === 0 ? CHUNK_CHARS - 40 : 880_000);
    const at = big.length;
    big += `${s.text}\n`;
    placed.push({ variant: 'in a 9 MB file', kind: s.kind, file: 'logs/huge.log', range: [at, at + s.text.length] });
  });
  big += filler(9_000_000 - big.length);
  write(repo, 'logs/huge.log', big);

  // One minified bundle on one line (the old limit skipped these over 512 KB); one key straddles the 1 MiB chunk boundary.
  let min = '';
  samples.forEach((s, i) => {
    const value = JSON.stringify(s.text);
    if (i === 1) min += 'x'.repeat(Math.max(0, CHUNK_CHARS - 12 - min.length - 12));
    min += `var a${i}=function(){return 1};`.repeat(i === 1 ? 0 : 2000) + `var k${i}=`;
    const at = min.length;
    min += `${value};`;
    placed.push({ variant: 'in a minified bundle', kind: s.kind, file: 'dist/app.min.js', range: [at, at + value.length] });
  });
  write(repo, 'dist/app.min.js', min + 'var end=1;'.repeat(20_000));
  return placed;
}

function recall(placed: Placed[], findings: Finding[]): Map<string, { found: number; total: number; missed: string[] }> {
  const table = new Map<string, { found: number; total: number; missed: string[] }>();
  for (const p of placed) {
    const row = table.get(p.variant) ?? { found: 0, total: 0, missed: [] };
    const hit = findings.some(f => f.file === p.file && (!p.range || (f.start < p.range[1] && f.end > p.range[0])));
    row.total++;
    if (hit) row.found++;
    else row.missed.push(p.kind);
    table.set(p.variant, row);
  }
  return table;
}

function printRecall(title: string, table: Map<string, { found: number; total: number; missed: string[] }>): void {
  let found = 0;
  let total = 0;
  console.log(`      ${title}`);
  for (const [variant, row] of table) {
    found += row.found;
    total += row.total;
    console.log(`        ${variant.padEnd(24)} ${row.found}/${row.total}${row.missed.length ? `  missed: ${row.missed.join(', ')}` : ''}`);
  }
  console.log(`        ${'recall'.padEnd(24)} ${found}/${total} = ${((100 * found) / total).toFixed(1)} %`);
}

describe('faults: a scan that cannot be slipped past', function () {
  this.timeout(300_000);
  after(removeTempDirs);

  it('finds every secret of the generated corpus, however it is hidden, in a staged commit that also stages `**` into .secretlintignore', async () => {
    const repo = initRepo();
    write(repo, 'README.md', '# app\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '--no-verify', '-m', 'first');
    const placed = plantCorpus(repo);
    write(repo, '.secretlintignore', '**\n');
    write(repo, '.secretlintrc.json', JSON.stringify({ rules: [] }));
    git(repo, 'add', '-A', '-f');
    const report = await scanStaged(repo);
    const table = recall(placed, report.findings);
    printRecall(`recall over ${SECRET_KINDS.length} formats × ${table.size} hiding places (${placed.length} secrets), scan --staged:`, table);
    for (const [variant, row] of table) assert.deepEqual(row.missed, [], variant);
    // The staged configuration did not apply to its own commit, and the output says so.
    const text = formatText(report).join('\n');
    assert.match(text, /Note: \.secretlintignore has changes that are not committed: this scan used no ignore file/);
    assert.match(text, /Note: \.secretlintrc\.json has changes that are not committed: this scan used the rules of the last commit/);
    assert.deepEqual(report.skipped, []);
  });

  it('the installed hook blocks such a commit and shows why the staged .secretlintignore did not apply', async function () {
    ensureCliBuilt();
    const repo = initRepo();
    write(repo, 'README.md', '# app\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '--no-verify', '-m', 'first');
    execFileSync(process.execPath, [CLI, 'hook', 'install'], { cwd: repo, env: gitEnv(), stdio: 'pipe' });
    const sample = SECRET_KINDS[2].make();
    write(repo, 'src/config.ts', `export const token = ${concatenated(sample.value)};\n`);
    write(repo, '.secretlintignore', '**\n');
    git(repo, 'add', '-A');
    let output = '';
    let blocked = false;
    try {
      execFileSync('git', ['commit', '-m', 'sneak'], { cwd: repo, env: gitEnv(), stdio: 'pipe', encoding: 'utf8' });
    } catch (err) {
      blocked = true;
      output = String((err as { stdout?: string }).stdout ?? '') + String((err as { stderr?: string }).stderr ?? '');
    }
    assert.ok(blocked, 'the commit was blocked');
    assert.match(output, /src\/config\.ts:1:\d+ +@secretlint\/secretlint-rule-github .*decoded from concatenated strings/);
    assert.match(output, /Note: \.secretlintignore has changes that are not committed/);
    assert.ok(!output.includes(sample.value), 'the token is not printed');
  });

  it('a committed secret in any tracked file is found, and skips are named by their real source', async () => {
    const repo = initRepo();
    const sample = SECRET_KINDS[0].make();
    write(repo, '.stagecraft/secrets/dev.env.json', `{"KEY": "${sample.value}"}\n`);
    write(repo, 'node_modules/vendored/index.js', `module.exports = "${sample.value}";\n`);
    git(repo, 'add', '-A', '-f');
    git(repo, 'commit', '-q', '--no-verify', '-m', 'oops');
    const noIgnoreFile = await scanTree(repo);
    assert.deepEqual(noIgnoreFile.findings.map(f => f.file).sort(), ['.stagecraft/secrets/dev.env.json', 'node_modules/vendored/index.js']);
    assert.doesNotMatch(formatText(noIgnoreFile).join('\n'), /ignored/, 'nothing is said to be ignored by a file the repository does not have');
    write(repo, '.secretlintignore', 'node_modules/\n');
    const withIgnoreFile = await scanTree(repo);
    assert.deepEqual(withIgnoreFile.findings.map(f => f.file), ['.stagecraft/secrets/dev.env.json']);
    assert.match(formatText(withIgnoreFile).at(-1)!, /1 ignored by \.secretlintignore/);
  });
});
