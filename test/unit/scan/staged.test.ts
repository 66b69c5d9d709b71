import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { scanStaged } from '../../../src/core/scan';
import { StagecraftError } from '../../../src/core/errors';
import { listStagedChanges, readBlobs } from '../../../src/git/staged';
import { awsCredentialsFile, FAKE, git, initRepo, removeTempDirs, tempDir } from './helpers';

function write(root: string, file: string, content: string | Buffer): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), content);
}

describe('scan --staged (the index, never the work tree)', () => {
  after(removeTempDirs);

  it('finds a staged secret before the first commit', async () => {
    const repo = initRepo();
    write(repo, 'creds.ini', awsCredentialsFile());
    git(repo, 'add', 'creds.ini');
    const report = await scanStaged(repo);
    assert.deepEqual(report.findings.map(f => `${f.file}:${f.line}`), ['creds.ini:2', 'creds.ini:3']);
  });

  it('reads the staged content: a secret removed from the work tree but still staged counts, one only in the work tree does not', async () => {
    const repo = initRepo();
    write(repo, 'README.md', 'hello\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'first');

    write(repo, 'staged.ts', `k = "${FAKE.awsKeyId()}"\n`);
    git(repo, 'add', 'staged.ts');
    write(repo, 'staged.ts', 'k = process.env.KEY\n'); // work tree cleaned, index not
    write(repo, 'README.md', `hello ${FAKE.githubToken()}\n`); // work tree only
    write(repo, 'untracked.ts', `k = "${FAKE.awsKeyId()}"\n`);

    const report = await scanStaged(repo);
    assert.deepEqual(report.findings.map(f => `${f.file}:${f.line} ${f.ruleId}`), ['staged.ts:1 @secretlint/secretlint-rule-aws']);
    assert.equal(report.scanned, 1, 'only what the commit changes is scanned');
  });

  it('scans only added or changed files, with paths from the top level when run in a subfolder', async () => {
    const repo = initRepo();
    write(repo, 'old/committed.ts', `k = "${FAKE.awsKeyId()}"\n`);
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '--no-verify', '-m', 'legacy');
    write(repo, 'app/new.ts', `db = "postgres://a:${FAKE.dbPassword()}@db/x"\n`);
    write(repo, 'app/other.ts', 'ok\n');
    git(repo, 'add', '.');
    git(repo, 'rm', '-q', '--cached', 'old/committed.ts');
    const report = await scanStaged(path.join(repo, 'app'));
    assert.deepEqual(report.findings.map(f => f.file), ['app/new.ts']);
    assert.equal(report.root, git(repo, 'rev-parse', '--show-toplevel').trim());
    const only = await scanStaged(repo, { paths: ['app/other.ts'] });
    assert.equal(only.scanned, 1);
    assert.deepEqual(only.findings, []);
  });

  it('scans staged binaries, skips symlinks and what the committed .secretlintignore lists', async () => {
    const repo = initRepo();
    write(repo, '.secretlintignore', 'fixtures/\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '--no-verify', '-m', 'ignore fixtures');
    write(repo, 'img.bin', Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(awsCredentialsFile())]));
    write(repo, 'fixtures/sample.ini', awsCredentialsFile());
    symlinkSync('fixtures/sample.ini', path.join(repo, 'link.ini'));
    git(repo, 'add', '.');
    const report = await scanStaged(repo);
    assert.deepEqual(report.findings.map(f => `${f.file}:${f.line}`), ['img.bin:2', 'img.bin:3']);
    assert.deepEqual(report.skipped.map(s => `${s.file} ${s.reason} by ${s.by}`), ['fixtures/sample.ini ignored by HEAD:.secretlintignore']);
    assert.deepEqual(report.notes, []);
  });

  it('reads a thousand blobs through one cat-file process, in order, keeping bytes exact', async () => {
    const repo = initRepo();
    const files: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const name = `f/${i}.txt`;
      write(repo, name, `${i}\n`.repeat(i % 7) + (i % 100 === 0 ? '\u00e9\u0000tail' : ''));
      files.push(name);
    }
    git(repo, 'add', '.');
    const staged = await listStagedChanges(repo);
    assert.equal(staged.length, 1000);
    const got: string[] = [];
    await readBlobs(repo, staged.map(s => s.blob), b => got.push(b.content!.toString('utf8')));
    assert.equal(got.length, 1000);
    staged.forEach((s, i) => {
      const n = Number(s.path.slice(2, -4));
      assert.equal(got[i], `${n}\n`.repeat(n % 7) + (n % 100 === 0 ? '\u00e9\u0000tail' : ''), s.path);
    });
  });

  it('is bad input outside a repository', async () => {
    const dir = tempDir();
    await assert.rejects(scanStaged(dir), (e: StagecraftError) => e.kind === 'input' && /not inside a git repository/.test(e.message));
    rmSync(dir, { recursive: true, force: true });
  });
});
