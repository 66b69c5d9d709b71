import * as assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseStackFile } from '../../../src/core/config/load';
import { commentLines, lineDiff } from '../core/support/lineDiff';
import { fixture } from '../core/support/repoRoot';
import { TempDirs } from '../core/support/tempDir';
import { ensureCliBuilt, isolatedEnv, lines, runCli } from './support/cli';

describe('cli: stagecraft stage add', () => {
  const temp = new TempDirs();
  let env: NodeJS.ProcessEnv;

  before(function () {
    this.timeout(180_000);
    ensureCliBuilt();
    env = isolatedEnv(temp.make('stagecraft-home-'));
  });
  after(() => temp.cleanup());

  function commentedFolder(): { dir: string; file: string; original: string } {
    const dir = temp.make();
    const file = join(dir, 'stagecraft.yaml');
    copyFileSync(fixture('stackfiles', 'commented.yaml'), file);
    return { dir, file, original: readFileSync(file, 'utf8') };
  }

  it('adds the stage after the one named, changing only the new lines and keeping every comment', async () => {
    const { dir, file, original } = commentedFolder();
    const r = await runCli(['stage', 'add', 'staging', '--provider', 'aws', '--region', 'eu-central-1', '--after', 'test', '--require-approval', '--branch', 'release/*', '--branch', 'hotfix/**'], dir, env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Added stage "staging" (aws) to ${file}.\n`);
    const updated = readFileSync(file, 'utf8');
    assert.deepEqual(lineDiff(original, updated), [
      {
        line: 29,
        removed: [],
        added: [
          '- name: staging',
          '  provider: aws',
          '  region: eu-central-1',
          '  requireApproval: true',
          '  branches:',
          '  - release/*',
          '  - hotfix/**',
          '',
        ],
      },
    ]);
    assert.deepEqual(commentLines(updated), commentLines(original));
    const stack = parseStackFile(updated, file).stack;
    assert.deepEqual(stack?.stages.map(s => s.name), ['dev', 'test', 'staging', 'prod']);
  });

  it('--first puts the stage first; without --after it goes last', async () => {
    const { dir, file } = commentedFolder();
    assert.equal((await runCli(['stage', 'add', 'sandbox', '--first'], dir, env)).code, 0);
    assert.equal((await runCli(['stage', 'add', 'dr', '--database', 'postgres'], dir, env)).code, 0);
    const stack = parseStackFile(readFileSync(file, 'utf8'), file).stack;
    assert.deepEqual(stack?.stages.map(s => s.name), ['sandbox', 'dev', 'test', 'prod', 'dr']);
    assert.equal(stack?.stages[4].database, 'postgres');
  });

  it('a duplicate name exits 2 and leaves the file untouched', async () => {
    const { dir, file, original } = commentedFolder();
    const r = await runCli(['stage', 'add', 'Dev'], dir, env);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'stagecraft stage add: stack "shop" already has a stage named "Dev"\n');
    assert.equal(readFileSync(file, 'utf8'), original);
  });

  it('bad input exits 2 and leaves the file untouched', async () => {
    const { dir, file, original } = commentedFolder();
    const cases: Array<[string[], string]> = [
      [['stage', 'add', 'qa', '--provider', 'gcp'], 'stagecraft stage add: --provider must be one of local, aws.'],
      [['stage', 'add', 'qa', '--database', 'mysql'], 'stagecraft stage add: --database must be "postgres" or "none".'],
      [['stage', 'add', 'my_stage'], 'stagecraft stage add: "my_stage" is not a valid stage name: start with a letter, then use only letters, digits and hyphens'],
      [['stage', 'add', 'qa', '--after', 'nope'], `stagecraft stage add: ${file} has no stage named "nope".`],
      [['stage', 'add'], 'stagecraft stage add: Expected one stage name.'],
      [['stage', 'add', 'a', 'b'], 'stagecraft stage add: Expected one stage name.'],
    ];
    for (const [args, first] of cases) {
      const r = await runCli(args, dir, env);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(lines(r.stderr)[0], first, args.join(' '));
    }
    assert.equal(readFileSync(file, 'utf8'), original);
  });

  it('an invalid stagecraft.yaml exits 2 with its problems', async () => {
    const dir = temp.make();
    const file = join(dir, 'stagecraft.yaml');
    copyFileSync(fixture('stackfiles', 'invalid.yaml'), file);
    const r = await runCli(['stage', 'add', 'qa'], dir, env);
    assert.equal(r.code, 2);
    assert.deepEqual(lines(r.stderr).slice(0, 2), [`stagecraft stage add: ${file} is not valid:`, `${file}:4:5: stages[0].provder: unknown key "provder"; did you mean "provider"?`]);
  });
});
