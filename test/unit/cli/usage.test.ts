import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../core/support/repoRoot';
import { TempDirs } from '../core/support/tempDir';
import { ensureCliBuilt, isolatedEnv, lines, runCli } from './support/cli';

describe('cli: usage, help and exit codes (node dist/cli.js)', () => {
  const temp = new TempDirs();
  let cwd: string;
  let env: NodeJS.ProcessEnv;

  before(function () {
    this.timeout(180_000);
    ensureCliBuilt();
    cwd = temp.make();
    env = isolatedEnv(temp.make('stagecraft-home-'));
  });
  after(() => temp.cleanup());

  const COMMAND_LINES = [
    /^ {2}init\s+Create a commented stagecraft\.yaml from the Dockerfile and package\.json$/m,
    /^ {2}validate\s+Check stagecraft\.yaml and the Dockerfile \(what process mode skips, emulates, refuses\) with file, line and column$/m,
    /^ {2}stage add\s+Add a stage to stagecraft\.yaml \(comments and order kept\)$/m,
    /^ {2}status\s+Show the stack, its stages in order and their last known state$/m,
  ];

  it('--help lists every command and exits 0', async () => {
    const r = await runCli(['--help'], cwd, env);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    assert.equal(lines(r.stdout)[0], 'stagecraft: release your service through stages, from the terminal or CI.');
    assert.match(r.stdout, /^Usage: stagecraft <command> \[options\]$/m);
    for (const line of COMMAND_LINES) assert.match(r.stdout, line);
    assert.match(r.stdout, /Exit codes: 0 ok, 1 failure, 2 bad input or usage\.$/m);
    assert.equal((await runCli(['help'], cwd, env)).stdout, r.stdout);
    assert.equal((await runCli(['-h'], cwd, env)).stdout, r.stdout);
  });

  it('no arguments prints the help and exits 2', async () => {
    const r = await runCli([], cwd, env);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /^Usage: stagecraft <command> \[options\]$/m);
  });

  it('an unknown command exits 2 with the usage on stderr', async () => {
    const r = await runCli(['deploy-everything', 'now'], cwd, env);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(lines(r.stderr)[0], 'Unknown command "deploy-everything now".');
    for (const line of COMMAND_LINES) assert.match(r.stderr, line);
  });

  it('`stage` alone is not a command', async () => {
    const r = await runCli(['stage'], cwd, env);
    assert.equal(r.code, 2);
    assert.equal(lines(r.stderr)[0], 'Unknown command "stage".');
  });

  it('an unknown option exits 2 with the command usage', async () => {
    const r = await runCli(['validate', '--bogus'], cwd, env);
    assert.equal(r.code, 2);
    assert.match(lines(r.stderr)[0], /^stagecraft validate: Unknown option '--bogus'/);
    assert.equal(lines(r.stderr)[1], 'Usage: stagecraft validate [--dir DIR] [--json]');
  });

  it('an option missing its value exits 2', async () => {
    const r = await runCli(['status', '--dir'], cwd, env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^stagecraft status: Option '-C, --dir <value>' argument missing/);
  });

  it('<command> --help prints its usage and exits 0', async () => {
    const r = await runCli(['stage', 'add', '--help'], cwd, env);
    assert.equal(r.code, 0);
    assert.equal(
      lines(r.stdout)[0],
      "Usage: stagecraft stage add NAME [--provider NAME] [--database postgres] [--require-approval] [--after STAGE | --first] [--branch PATTERN]... [--dir DIR] [--OPTION [VALUE]]... (the provider's own options: its Add Stage fields)",
    );
    assert.equal(lines(r.stdout)[2], 'Add a stage to stagecraft.yaml (comments and order kept)');
  });

  it('a command group answers --help with its commands (stage, pipeline, aws, aws pipeline)', async () => {
    const r = await runCli(['stage', '--help'], cwd, env);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    assert.equal(lines(r.stdout)[0], 'Usage: stagecraft stage <command> [options]');
    assert.match(r.stdout, /^ {2}stage add\s+Add a stage to stagecraft\.yaml \(comments and order kept\)$/m);
    for (const group of ['pipeline', 'aws', 'aws pipeline']) {
      const g = await runCli([...group.split(' '), '-h'], cwd, env);
      assert.equal(g.code, 0, `${group} -h: ${g.stderr}`);
      assert.equal(lines(g.stdout)[0], `Usage: stagecraft ${group} <command> [options]`);
      assert.match(g.stdout, new RegExp(`^ {2}${group} \\S+`, 'm'));
    }
  });

  it('every command answers --help with its usage and exit 0', async () => {
    const help = await runCli(['--help'], cwd, env);
    const paths = lines(help.stdout).filter(l => /^ {2}\S/.test(l)).map(l => l.trim().split(/\s{2,}/)[0]);
    assert.ok(paths.length > 10, `commands listed: ${paths.join(', ')}`);
    for (const path of paths) {
      const r = await runCli([...path.split(' '), '--help'], cwd, env);
      assert.equal(r.code, 0, `${path} --help: ${r.stderr}`);
      assert.match(lines(r.stdout)[0], new RegExp(`^Usage: stagecraft ${path}( |$)`), `${path} --help`);
    }
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string };
    const r = await runCli(['--version'], cwd, env);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${version}\n`);
  });
});
