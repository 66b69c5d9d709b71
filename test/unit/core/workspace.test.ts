import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureGitignored, STATE_DIR, stateDir } from '../../../src/core/workspace';
import { TempDirs } from './support/tempDir';

describe('workspace: ensureGitignored', () => {
  const temp = new TempDirs();
  after(() => temp.cleanup());
  const gitignore = (dir: string) => readFileSync(join(dir, '.gitignore'), 'utf8');

  it('creates .gitignore with the state folder, once', async () => {
    const dir = temp.make();
    assert.equal(await ensureGitignored(dir), true);
    assert.equal(gitignore(dir), '# Stagecraft runs, stage state and logs\n.stagecraft/\n');
    assert.equal(await ensureGitignored(dir), false);
    assert.equal(gitignore(dir), '# Stagecraft runs, stage state and logs\n.stagecraft/\n');
  });

  it('appends after a last line without a newline', async () => {
    const dir = temp.make();
    writeFileSync(join(dir, '.gitignore'), 'node_modules/\ndist');
    assert.equal(await ensureGitignored(dir), true);
    assert.equal(gitignore(dir), 'node_modules/\ndist\n# Stagecraft runs, stage state and logs\n.stagecraft/\n');
  });

  it('leaves a file that already covers the folder alone, in any of its spellings', async () => {
    for (const line of ['.stagecraft', '.stagecraft/', '/.stagecraft', '  /.stagecraft/  ']) {
      const dir = temp.make();
      const text = `node_modules/\r\n${line}\r\n`;
      writeFileSync(join(dir, '.gitignore'), text);
      assert.equal(await ensureGitignored(dir), false, line);
      assert.equal(gitignore(dir), text);
    }
  });

  it('does not take a longer name for the folder', async () => {
    const dir = temp.make();
    writeFileSync(join(dir, '.gitignore'), '.stagecraft-old/\n');
    assert.equal(await ensureGitignored(dir), true);
  });

  it('the state folder is .stagecraft under the root', () => {
    assert.equal(STATE_DIR, '.stagecraft');
    assert.equal(stateDir('/app'), join('/app', '.stagecraft'));
  });
});
