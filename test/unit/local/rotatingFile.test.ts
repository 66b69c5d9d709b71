import * as assert from 'node:assert/strict';
import { promises as fs, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RotatingFile } from '../../../src/local/logs/rotatingFile';

describe('local/logs RotatingFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'stagecraft-rot-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const read = (file: string) => fs.readFile(file, 'utf8');

  it('appends lines in order, creating the folder', async () => {
    const file = path.join(dir, 'logs', 'app.log');
    const log = new RotatingFile(file);
    for (let i = 0; i < 1000; i++) log.write(`line ${i}`);
    await log.close();
    const lines = (await read(file)).split('\n');
    assert.equal(lines.pop(), '');
    assert.deepEqual(lines, Array.from({ length: 1000 }, (_, i) => `line ${i}`));
  });

  it('continues an existing file and counts its size', async () => {
    const file = path.join(dir, 'app.log');
    await fs.writeFile(file, 'x'.repeat(90) + '\n');
    const log = new RotatingFile(file, { maxBytes: 100 });
    log.write('123456789'); // 91 + 10 = 101 > 100: rotates first
    await log.close();
    assert.equal(await read(file), '123456789\n');
    assert.equal(await read(`${file}.1`), 'x'.repeat(90) + '\n');
  });

  it('rotates path → path.1 → … → path.keep and drops the oldest', async () => {
    const file = path.join(dir, 'access.log');
    const log = new RotatingFile(file, { maxBytes: 20, keep: 3 });
    // Each line is 10 bytes with its newline, so each file holds two lines.
    for (let i = 0; i < 10; i++) log.write(`line-${String(i).padStart(4, '0')}`);
    await log.close();
    assert.equal(await read(file), 'line-0008\nline-0009\n');
    assert.equal(await read(`${file}.1`), 'line-0006\nline-0007\n');
    assert.equal(await read(`${file}.2`), 'line-0004\nline-0005\n');
    assert.equal(await read(`${file}.3`), 'line-0002\nline-0003\n');
    await assert.rejects(fs.stat(`${file}.4`), { code: 'ENOENT' });
    for (const f of [file, `${file}.1`, `${file}.2`, `${file}.3`]) assert.ok((await fs.stat(f)).size <= 20);
  });

  it('writes a line longer than maxBytes whole, into a file of its own', async () => {
    const file = path.join(dir, 'big.log');
    const log = new RotatingFile(file, { maxBytes: 10, keep: 2 });
    log.write('short');
    log.write('a line that is much longer than ten bytes');
    log.write('next');
    await log.close();
    assert.equal(await read(`${file}.2`), 'short\n');
    assert.equal(await read(`${file}.1`), 'a line that is much longer than ten bytes\n');
    assert.equal(await read(file), 'next\n');
  });

  it('rotates by renaming, so a reader holding the old file keeps its content', async () => {
    const file = path.join(dir, 'tail.log');
    const log = new RotatingFile(file, { maxBytes: 12, keep: 1 });
    log.write('first one');
    const before = await fs.stat(file);
    log.write('second one');
    const rotated = await fs.stat(`${file}.1`);
    const fresh = await fs.stat(file);
    assert.equal(rotated.ino, before.ino, 'the old inode moved to path.1');
    assert.notEqual(fresh.ino, before.ino, 'path is a new file');
    await log.close();
  });

  it('keep: 0 starts over without keeping old lines', async () => {
    const file = path.join(dir, 'none.log');
    const log = new RotatingFile(file, { maxBytes: 8, keep: 0 });
    log.write('aaaaaa');
    log.write('bbbbbb');
    await log.close();
    assert.equal(await read(file), 'bbbbbb\n');
    await assert.rejects(fs.stat(`${file}.1`), { code: 'ENOENT' });
  });

  it('reports a failing write once instead of throwing, and recovers', async () => {
    const file = path.join(dir, 'sub', 'gone.log');
    const errors: Error[] = [];
    const log = new RotatingFile(file, { maxBytes: 8, onError: e => errors.push(e) });
    log.write('one');
    // Rotation needs to rename inside the folder; a file in its place makes that fail.
    rmSync(path.join(dir, 'sub'), { recursive: true, force: true });
    await fs.writeFile(path.join(dir, 'sub'), 'not a folder');
    log.write('two two two');
    log.write('three three');
    assert.equal(errors.length, 1);
    await fs.rm(path.join(dir, 'sub'));
    log.write('four');
    await log.close();
    assert.equal(await read(file), 'four\n');
  });

  it('ignores writes after close', async () => {
    const file = path.join(dir, 'closed.log');
    const log = new RotatingFile(file);
    log.write('kept');
    await log.close();
    log.write('dropped');
    assert.equal(await read(file), 'kept\n');
  });
});
