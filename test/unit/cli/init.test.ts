import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseStackFile } from '../../../src/core/config/load';
import { TempDirs } from '../core/support/tempDir';
import { ensureCliBuilt, isolatedEnv, lines, runCli } from './support/cli';

describe('cli: stagecraft init', () => {
  const temp = new TempDirs();
  let env: NodeJS.ProcessEnv;

  before(function () {
    this.timeout(180_000);
    ensureCliBuilt();
    env = isolatedEnv(temp.make('stagecraft-home-'));
  });
  after(() => temp.cleanup());

  function serviceFolder(): string {
    const dir = temp.make();
    writeFileSync(join(dir, 'Dockerfile'), 'FROM node:20-slim\nWORKDIR /app\nCOPY . .\nEXPOSE 3000\nCMD ["node", "server.js"]\n');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'web-shop', scripts: { start: 'node server.js' } }));
    return dir;
  }

  it('writes a valid commented stagecraft.yaml prefilled from the Dockerfile, and leaves .gitignore alone (no state lives in the repository)', async () => {
    const dir = serviceFolder();
    const r = await runCli(['init'], dir, env);
    const file = join(dir, 'stagecraft.yaml');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), [
      `Created ${file} for stack "web-shop" (port 3000, the Dockerfile starts it: node server.js).`,
      'Health check / is a guess: if the first deploy fails it, the error names the common path that answers.',
    ]);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^# Stagecraft stack definition/);
    const parsed = parseStackFile(text, file);
    assert.deepEqual(parsed.problems, []);
    assert.equal(parsed.stack?.service.port, 3000);
    assert.equal(parsed.stack?.service.start, undefined, 'the Dockerfile starts the service');
    assert.equal(existsSync(join(dir, '.gitignore')), false, 'init writes no .gitignore');
  });

  it('refuses to overwrite an existing file (exit 2), leaving it as it was', async () => {
    const dir = temp.make();
    writeFileSync(join(dir, 'stagecraft.yaml'), 'stack: mine\n');
    writeFileSync(join(dir, '.gitignore'), '.stagecraft/\n');
    const r = await runCli(['init'], dir, env);
    assert.equal(r.code, 2);
    assert.deepEqual(lines(r.stderr), [`stagecraft init: ${join(dir, 'stagecraft.yaml')} already exists; Stagecraft does not overwrite it.`, 'Edit the existing file, or delete it first.']);
    assert.equal(readFileSync(join(dir, 'stagecraft.yaml'), 'utf8'), 'stack: mine\n');
  });

  it('--name and --dir', async () => {
    const cwd = temp.make();
    mkdirSync(join(cwd, 'svc'));
    const r = await runCli(['init', '--name', 'Orders', '--dir', 'svc'], cwd, env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lines(r.stdout)[0], `Created ${join(cwd, 'svc', 'stagecraft.yaml')} for stack "Orders" (port 8080).`);
    assert.equal(parseStackFile(readFileSync(join(cwd, 'svc', 'stagecraft.yaml'), 'utf8'), 'x').stack?.name, 'Orders');
    assert.equal(existsSync(join(cwd, 'stagecraft.yaml')), false);
  });

  it('an invalid --name exits 2 and writes nothing', async () => {
    const dir = temp.make();
    const r = await runCli(['init', '--name', '1shop'], dir, env);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'stagecraft init: "1shop" is not a valid stack name: start with a letter, then use only letters, digits and hyphens\n');
    assert.equal(existsSync(join(dir, 'stagecraft.yaml')), false);
  });
});
