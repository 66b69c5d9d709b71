import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { builtinProviders } from '../support/providers';
import { awsCredentialsFile, FAKE, git, initRepo, removeTempDirs, tempDir } from './helpers';

async function cli(cwd: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { cwd, out: l => out.push(l), err: l => err.push(l), providers: builtinProviders() });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function write(root: string, file: string, content: string): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), content);
}

describe('stagecraft scan', () => {
  after(removeTempDirs);

  it('exits 0 on a clean tree and 1 with file:line:col, rule and a masked message on findings', async () => {
    const root = tempDir();
    write(root, 'src/ok.ts', 'export const a = 1;\n');
    let r = await cli(root, 'scan');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /No secrets found; 1 file\(s\) scanned/);
    write(root, 'src/creds.ini', awsCredentialsFile());
    r = await cli(root, 'scan');
    assert.equal(r.code, 1);
    assert.match(r.out, /^src\/creds\.ini:2:21 {2}@secretlint\/secretlint-rule-aws {2}found AWS Access Key ID: \*{4}$/m);
    assert.ok(!r.out.includes(FAKE.awsKeyId()) && !r.err.includes(FAKE.awsKeyId()));
  });

  it('scans the paths it is given, relative to the current folder', async () => {
    const root = tempDir();
    write(root, 'a/creds.ini', awsCredentialsFile());
    write(root, 'b/ok.ts', 'x\n');
    assert.equal((await cli(root, 'scan', 'b')).code, 0);
    assert.equal((await cli(path.join(root, 'a'), 'scan', 'creds.ini')).code, 1);
  });

  it('prints JSON and SARIF', async () => {
    const root = tempDir();
    write(root, 'creds.ini', awsCredentialsFile());
    const json = await cli(root, 'scan', '--format', 'json');
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.out).findings.length, 2);
    const sarif = await cli(root, 'scan', '-f', 'sarif');
    assert.equal(sarif.code, 1);
    assert.equal(JSON.parse(sarif.out).runs[0].results.length, 2);
  });

  it('--staged scans the index', async () => {
    const repo = initRepo();
    write(repo, 'creds.ini', awsCredentialsFile());
    assert.equal((await cli(repo, 'scan', '--staged')).code, 0, 'nothing staged yet');
    git(repo, 'add', 'creds.ini');
    const r = await cli(repo, 'scan', '--staged');
    assert.equal(r.code, 1);
    assert.match(r.out, /^creds\.ini:3:25 {2}@secretlint\/secretlint-rule-aws/m);
  });

  it('exits 2 on bad input: an unknown format, a missing path, --staged outside a repository, an unknown option, a broken config', async () => {
    const root = tempDir();
    for (const argv of [['scan', '--format', 'xml'], ['scan', 'nope'], ['scan', '--staged'], ['scan', '--frobnicate']]) {
      const r = await cli(root, ...argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
      assert.ok(r.err.length > 0);
    }
    write(root, '.secretlintrc.json', '{"rules": 3}');
    const r = await cli(root, 'scan');
    assert.equal(r.code, 2);
    assert.match(r.err, /\.secretlintrc\.json/);
  });

  it('hook: rejects an unknown action as a usage error', async () => {
    const r = await cli(tempDir(), 'hook', 'frob');
    assert.equal(r.code, 2);
    assert.match(r.err, /install, uninstall, status/);
  });
});
