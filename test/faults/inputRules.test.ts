import { builtinProviders } from '../unit/support/providers';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseStackFile } from '../../src/core/config/load';
import { envNameProblem, envValueProblem, secretValueProblem } from '../../src/core/inputRules';
import { checkEnvRows, environmentHandlers, readDockerfileEnv } from '../../src/protocol/host/environment';
import { fileStackPort } from '../../src/protocol/host/stackFile';
import { CLI, ensureCliBuilt, isolatedEnv, runCli, type CliResult } from '../unit/cli/support/cli';
import { TempDirs } from '../unit/core/support/tempDir';

/** Issue 20 items 6 and 7: one set of input rules, the same answer from CLI, panels and validate. */
const STACK = 'stack: shop\nservice:\n  dockerfile: Dockerfile\nstages:\n  - name: dev\n    provider: local\n    env:\n      LOG_LEVEL: info\n';
/** A planted secret: it must never be printed, stored or written anywhere. */
const PLANTED = 'PLANTED-s3cr3t-value-7f3a';

function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = [];
  const visit = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) visit(full);
      else if (e.isFile() && statSync(full).size < 10_000_000 && readFileSync(full).includes(needle)) found.push(full);
    }
  };
  visit(dir);
  return found;
}

describe('faults: input rules (variable names, values, secrets)', () => {
  it('refuses names JavaScript reserves, and NUL in values, without quoting the value', () => {
    for (const name of ['__proto__', 'constructor', 'prototype']) assert.match(envNameProblem(name) ?? '', /cannot be kept as a variable name/, name);
    assert.equal(envNameProblem('toString_'), undefined);
    assert.match(envValueProblem('X', `a\0${PLANTED}`) ?? '', /NUL/);
    const secretBad = secretValueProblem('X', `a\0${PLANTED}`) ?? '';
    assert.match(secretBad, /NUL byte/);
    assert.ok(!secretBad.includes(PLANTED));
  });

  it('validate reports `__proto__`, `constructor` and a NUL value with their lines instead of dropping them', () => {
    const text = `${STACK}      __proto__: x\n      constructor: y\n      TOKEN: "a\\0${PLANTED}"\n`;
    const { stack, problems } = parseStackFile(text, '/repo/stagecraft.yaml');
    assert.equal(stack, undefined);
    assert.deepEqual(problems.map(p => [p.line, p.field]), [[9, 'stages[0].env.__proto__'], [10, 'stages[0].env.constructor'], [11, 'stages[0].env.TOKEN']]);
    assert.ok(problems.every(p => !p.message.includes(PLANTED)));
  });

  it("the Environment panel's host refuses the same names and values, and keeps no secret it refuses", async () => {
    const temp = new TempDirs();
    try {
      const dir = temp.make();
      const file = join(dir, 'stagecraft.yaml');
      writeFileSync(file, STACK);
      const handlers = environmentHandlers(fileStackPort(file), 'dev', readDockerfileEnv, builtinProviders());
      for (const [name, value] of [['__proto__', PLANTED], ['prototype', PLANTED], ['API_KEY', `x\0${PLANTED}`]]) {
        await assert.rejects(async () => handlers['environment.keepSecret']!({ name, value }), (err: Error) => /Not kept as a secret/.test(err.message) && !err.message.includes(PLANTED));
      }
      const { problems } = checkEnvRows([{ name: 'A', value: { kind: 'text', text: 'a\0b' } }, { name: 'constructor', value: { kind: 'text', text: 'b' } }], new Map());
      assert.deepEqual(Object.keys(problems).sort(), ['rows.0.value', 'rows.1.name']);
      assert.equal(readFileSync(file, 'utf8'), STACK);
      assert.deepEqual(filesContaining(dir, PLANTED), []);
    } finally {
      temp.cleanup();
    }
  });

  describe('the CLI', () => {
    const temp = new TempDirs();
    let home: string;
    let env: NodeJS.ProcessEnv;
    before(function () {
      this.timeout(180_000);
      ensureCliBuilt();
      home = temp.make('stagecraft-home-');
      env = { ...isolatedEnv(home), XDG_STATE_HOME: join(home, 'state'), STAGECRAFT_HOME: join(home, 'stagecraft') };
    });
    after(() => temp.cleanup());

    function withStdin(args: string[], cwd: string, input: Buffer): Promise<CliResult> {
      return new Promise(resolve => {
        const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...env } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', d => (stdout += d));
        child.stderr.on('data', d => (stderr += d));
        child.on('close', code => resolve({ code: code ?? 1, stdout, stderr }));
        child.stdin.end(input);
      });
    }

    it('`env set` refuses `__proto__`: exit 2, the file unchanged', async () => {
      const dir = temp.make();
      writeFileSync(join(dir, 'stagecraft.yaml'), STACK);
      const r = await runCli(['env', 'set', 'dev', '__proto__', 'x', '--no-apply'], dir, env);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /"__proto__" cannot be kept as a variable name/);
      assert.equal(readFileSync(join(dir, 'stagecraft.yaml'), 'utf8'), STACK);
    });

    it('`env set --secret` with a NUL byte: exit 2, nothing stored, the value in no output and no file', async () => {
      const dir = temp.make();
      writeFileSync(join(dir, 'stagecraft.yaml'), STACK);
      const r = await withStdin(['env', 'set', 'dev', 'API_KEY', '--secret', '--no-apply'], dir, Buffer.from(`a\0${PLANTED}`));
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /stagecraft\.yaml: the secret API_KEY contains a NUL byte/);
      assert.ok(!(r.stdout + r.stderr).includes(PLANTED), 'the secret is not printed');
      assert.equal(readFileSync(join(dir, 'stagecraft.yaml'), 'utf8'), STACK);
      assert.deepEqual([...filesContaining(dir, PLANTED), ...filesContaining(home, PLANTED)], [], 'the secret is stored nowhere');
    });

    it('`env set --secret` refuses a bad name before storing the value', async () => {
      const dir = temp.make();
      writeFileSync(join(dir, 'stagecraft.yaml'), STACK);
      const r = await withStdin(['env', 'set', 'dev', 'constructor', '--secret', '--no-apply'], dir, Buffer.from(PLANTED));
      assert.equal(r.code, 2, r.stderr);
      assert.ok(!(r.stdout + r.stderr).includes(PLANTED));
      assert.deepEqual([...filesContaining(dir, PLANTED), ...filesContaining(home, PLANTED)], []);
    });
  });
});
