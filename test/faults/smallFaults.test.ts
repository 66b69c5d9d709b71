import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeStackBytes, encodeStackText } from '../../src/core/config/bytes';
import { parseStackFile } from '../../src/core/config/load';
import { updateStackFile } from '../../src/core/config/update';
import { Redactor, redactor } from '../../src/core/redact';
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { CLI, ensureCliBuilt, isolatedEnv } from '../unit/cli/support/cli';
import { TempDirs } from '../unit/core/support/tempDir';

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

/** Issue 20 item 11, the smaller ones: a stage name is never masked; bytes of untouched lines survive an edit. */
describe('faults: redaction of names, non-UTF-8 bytes in stagecraft.yaml', () => {
  const temps = new TempDirs();
  after(() => temps.cleanup());

  it('does not mask a stage name in an error when a secret has the same value', () => {
    const text = 'stack: shop\nservice:\n  dockerfile: Dockerfile\nstages:\n  - name: test\n    provider: local\n';
    assert.ok(parseStackFile(text, '/repo/stagecraft.yaml').stack);
    redactor.add('test'); // e.g. `printf test | stagecraft env set test X --secret`
    assert.equal(redactor.redact('"test" is not a valid stage name for this command'), '"test" is not a valid stage name for this command');
    // Values that are not public names are masked as before.
    const own = new Redactor();
    own.add('s3cr3t-value');
    assert.equal(own.redact('password s3cr3t-value used'), 'password **** used');
  });

  it('keeps non-UTF-8 bytes of untouched lines byte for byte when `env set` edits the file', async () => {
    const dir = temps.make();
    const file = join(dir, 'stagecraft.yaml');
    // A Latin-1 comment (0xE9 = é, 0xFC = ü) the user's editor saved, and a valid UTF-8 one.
    const before = Buffer.concat([
      Buffer.from('# Caf'), Buffer.from([0xe9]), Buffer.from(' M'), Buffer.from([0xfc]), Buffer.from('nchen\n'),
      Buffer.from('stack: shop # naïve\nservice:\n  dockerfile: Dockerfile\nstages:\n  - name: dev\n    provider: local\n'),
    ]);
    writeFileSync(file, before);
    await updateStackFile(file, e => e.setEnv('dev', 'LOG_LEVEL', 'info'));
    const after = readFileSync(file);
    assert.ok(!after.includes(Buffer.from([0xef, 0xbf, 0xbd])), 'no U+FFFD was written');
    assert.equal(after.toString('latin1').split('\n')[0], before.toString('latin1').split('\n')[0], 'the Latin-1 comment line is unchanged');
    assert.match(after.toString('utf8'), /env:\n\s+LOG_LEVEL: info/);
    assert.ok(after.includes(Buffer.from('stack: shop # naïve')), 'valid UTF-8 stays as it was');
  });

  it('`env unset` of a secret reference deletes the stored secret it orphans', function () {
    this.timeout(180_000);
    ensureCliBuilt();
    const home = temps.make('stagecraft-home-');
    const env = { ...process.env, ...isolatedEnv(home), XDG_STATE_HOME: join(home, 'state'), STAGECRAFT_HOME: join(home, 'stagecraft') };
    const dir = temps.make();
    writeFileSync(join(dir, 'stagecraft.yaml'), 'stack: shop\nservice:\n  dockerfile: Dockerfile\nstages:\n  - name: dev\n    provider: local\n');
    const value = `orphan-${Date.now()}-value`;
    const cli = (args: string[], input?: string) => spawnSync(process.execPath, [CLI, ...args], { cwd: dir, env, input, encoding: 'utf8' });
    const set = cli(['env', 'set', 'dev', 'API_KEY', '--secret', '--no-apply'], value);
    assert.equal(set.status, 0, set.stderr);
    assert.notDeepEqual([...filesContaining(dir, value), ...filesContaining(home, value)], [], 'stored somewhere');
    const unset = cli(['env', 'unset', 'dev', 'API_KEY', '--no-apply']);
    assert.equal(unset.status, 0, unset.stderr);
    assert.match(unset.stdout, /Deleted the secret API_KEY of dev/);
    assert.deepEqual([...filesContaining(dir, value), ...filesContaining(home, value)], [], 'stored nowhere any more');
  });

  it('round-trips any bytes', () => {
    const bytes = Buffer.from([0x61, 0xff, 0xc3, 0xa9, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x98, 0x80, 0xc3, 0x0a, 0x80]);
    assert.deepEqual(encodeStackText(decodeStackBytes(bytes)), bytes);
  });
});
