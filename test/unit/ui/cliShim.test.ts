import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { writeCliShim } from '../../../src/ui/cliShim';
import { repoRoot } from '../core/support/repoRoot';
import { TempDirs } from '../core/support/tempDir';
import { CLI, ensureCliBuilt } from '../cli/support/cli';

/** The `stagecraft` command the extension puts on its terminals' PATH: a real shell finds and runs it. */
describe('cli: the terminal shim (writeCliShim)', () => {
  const temp = new TempDirs();
  before(function () {
    this.timeout(180_000);
    ensureCliBuilt();
  });
  after(() => temp.cleanup());

  it('a shell with the shim folder on PATH runs the bundled CLI as `stagecraft`', async function () {
    if (process.platform === 'win32') this.skip();
    // A folder name with a space and a quote, as global storage paths can have.
    const dir = join(temp.make(), "Code User's data", 'bin');
    const file = await writeCliShim(dir, { node: process.execPath, cli: CLI, electron: false });
    assert.equal(file, join(dir, 'stagecraft'));
    assert.equal(statSync(file).mode & 0o111, 0o111, 'executable');
    const { version } = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string };
    const out = execFileSync('/bin/sh', ['-c', 'stagecraft --version && stagecraft stage --help'], {
      env: { PATH: `${dir}${delimiter}/usr/bin${delimiter}/bin` },
      encoding: 'utf8',
    });
    assert.equal(out.split('\n')[0], version);
    assert.match(out, /^Usage: stagecraft stage <command> \[options\]$/m);
  });

  it('is rewritten only when it changes (an update moves the extension)', async () => {
    const dir = temp.make();
    const file = await writeCliShim(dir, { node: '/usr/bin/node', cli: '/ext/v1/dist/cli.js', electron: false });
    const first = statSync(file).mtimeMs;
    await new Promise(r => setTimeout(r, 20));
    await writeCliShim(dir, { node: '/usr/bin/node', cli: '/ext/v1/dist/cli.js', electron: false });
    assert.equal(statSync(file).mtimeMs, first);
    await writeCliShim(dir, { node: '/opt/code/code', cli: '/ext/v2/dist/cli.js', electron: true });
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^ELECTRON_RUN_AS_NODE=1 exec '\/opt\/code\/code' '\/ext\/v2\/dist\/cli\.js' "\$@"$/m);
  });

  it('on Windows it is a .cmd that passes every argument', async () => {
    const dir = temp.make();
    const file = await writeCliShim(dir, { node: 'C:\\Code\\Code.exe', cli: 'C:\\ext\\dist\\cli.js', electron: true }, 'win32');
    assert.equal(file, join(dir, 'stagecraft.cmd'));
    const text = readFileSync(file, 'utf8');
    assert.match(text, /@set ELECTRON_RUN_AS_NODE=1\r\n"C:\\Code\\Code\.exe" "C:\\ext\\dist\\cli\.js" %\*\r\n$/);
  });
});
