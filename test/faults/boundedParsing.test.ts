import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseStackFile } from '../../src/core/config/load';
import { STACK_FILE_LIMITS } from '../../src/core/config/limits';
import { CLI, ensureCliBuilt, isolatedEnv, runCli } from '../unit/cli/support/cli';
import { TempDirs } from '../unit/core/support/tempDir';

/** Issue 20 item 5: a stagecraft.yaml of any size or shape is refused quickly, with file and line. */
const HEAD = 'stack: shop\nservice:\n  dockerfile: Dockerfile\nstages:\n  - name: dev\n    provider: local\n    env:\n';
const FILE = '/repo/stagecraft.yaml';

function manyKeys(count: number): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(`      K${i}: v`);
  return HEAD + lines.join('\n') + '\n';
}

/** The billion-laughs shape: each anchor repeats the previous one nine times. */
function aliasBomb(): string {
  let text = 'stack: shop\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
  for (let i = 1; i < 10; i++) text += `l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]\n`;
  return text + 'stages: []\n';
}

describe('faults: bounded parsing of stagecraft.yaml', () => {
  it('refuses a file over 1 MB, naming the limit and the line where it is crossed', () => {
    const text = manyKeys(1).replace('env:\n', `env:\n      BIG: "${'x'.repeat(STACK_FILE_LIMITS.bytes)}"\n`);
    const { problems, stack } = parseStackFile(text, FILE);
    assert.equal(stack, undefined);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].file, FILE);
    assert.equal(problems[0].line, 8);
    assert.match(problems[0].message, /over the limit of 1 MB/);
  });

  it('refuses more keys than the limit at the line of the first one too many, without running the parser', () => {
    const { problems } = parseStackFile(manyKeys(60_000), FILE);
    assert.equal(problems.length, 1);
    assert.match(problems[0].message, /more than 20,000 keys and list items/);
    // Lines 1–7 hold 8 entries (`- name:` is two: the list item and its key), so K0 on line 8 is
    // the 9th and the 20,001st sits on line 20,000.
    assert.equal(problems[0].line, STACK_FILE_LIMITS.entries);
  });

  it('refuses deep nesting (flow brackets and `- - -`) naming the limit and the line', () => {
    for (const deep of [`${HEAD}      X: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, `${HEAD}      X:\n${'- '.repeat(5000)}x\n`]) {
      const { problems } = parseStackFile(deep, FILE);
      assert.equal(problems.length, 1);
      assert.match(problems[0].message, /nested more than 64 levels deep/);
      assert.ok(problems[0].line === 8 || problems[0].line === 9, `line ${problems[0].line}`);
    }
  });

  it('accepts a realistic file at the limits and finds a duplicate key among 19,000 in one pass', () => {
    const ok = parseStackFile(manyKeys(19_000), FILE);
    assert.deepEqual(ok.problems, []);
    assert.equal(Object.keys(ok.stack!.stages[0].env).length, 19_000);
    const dup = parseStackFile(manyKeys(19_000) + '      K7: again\n', FILE);
    assert.equal(dup.problems.length, 1);
    assert.equal(dup.problems[0].line, 8 + 19_000);
    assert.equal(dup.problems[0].field, 'stages[0].env.K7');
    assert.match(dup.problems[0].message, /duplicate key "K7"/);
  });

  it('an alias bomb is a problem with file and line, not an exception', () => {
    const { problems } = parseStackFile(aliasBomb(), FILE);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].file, FILE);
    assert.equal(problems[0].line, 3);
    assert.match(problems[0].message, /aliases expand too far/);
  });

  describe('the CLI', () => {
    const temp = new TempDirs();
    let env: NodeJS.ProcessEnv;
    before(function () {
      this.timeout(180_000);
      ensureCliBuilt();
      env = isolatedEnv(temp.make('stagecraft-home-'));
    });
    after(() => temp.cleanup());

    function repoWith(text: string): { dir: string; file: string } {
      const dir = temp.make();
      writeFileSync(join(dir, 'stagecraft.yaml'), text);
      return { dir, file: join(dir, 'stagecraft.yaml') };
    }

    it('an alias bomb: exit 2 with file and line', async () => {
      const { dir, file } = repoWith(aliasBomb());
      const r = await runCli(['validate'], dir, env);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: aliases expand too far`));
    });

    it('a directory named stagecraft.yaml: exit 2 naming the path, for validate and for any command', async () => {
      const dir = temp.make();
      mkdirSync(join(dir, 'stagecraft.yaml'));
      for (const args of [['validate'], ['status']]) {
        const r = await runCli(args, dir, env);
        assert.equal(r.code, 2, r.stderr);
        assert.ok(r.stderr.includes(`${join(dir, 'stagecraft.yaml')}:1:1: is a directory`), r.stderr);
        assert.doesNotMatch(r.stderr, /EISDIR|unexpected error/);
      }
    });

    it('a 20 MB file: exit 2 at once, naming the limit and the line', async () => {
      const { dir, file } = repoWith(manyKeys(1_500_000));
      const started = Date.now();
      const r = await runCli(['validate'], dir, env);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /over the limit of 1 MB for stagecraft\.yaml/);
      assert.ok(r.stderr.startsWith(`${file}:`), r.stderr);
      assert.ok(Date.now() - started < 20_000, 'bounded: not minutes');
    });

    for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
      it(`${signal} ends a command busy parsing a 1 MB file within 1 s (exit ${code})`, async function () {
        this.timeout(30_000);
        // At the limit: ~1 MB, under 20,000 entries, the most the parser is ever given.
        const body: string[] = [];
        for (let i = 0; i < 8_500; i++) body.push(`      K${i}: "${'v'.repeat(100)}"`);
        const { dir } = repoWith(HEAD + body.join('\n') + '\n');
        const child = spawn(process.execPath, [CLI, 'validate'], { cwd: dir, env: { ...process.env, ...env }, stdio: 'ignore' });
        await new Promise(resolve => setTimeout(resolve, 400));
        const sent = Date.now();
        child.kill(signal);
        const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(resolve => child.on('exit', (c, s) => resolve({ code: c, signal: s })));
        const took = Date.now() - sent;
        assert.ok(took <= 1000, `ended ${took} ms after ${signal}`);
        // Either our handler's exit code, or (signal before the handler existed) the default action.
        assert.ok(ended.code === code || ended.signal === signal, JSON.stringify(ended));
      });
    }
  });
});
