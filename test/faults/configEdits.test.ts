import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from '../../src/core/workspace';
import { parseDocument } from 'yaml';
import { rewriteStackFile, updateStackFile } from '../../src/core/config/update';
import { readStageSecrets } from '../../src/local/stageSecrets';
import { cli } from '../unit/e2e/support/cli';
import { cliWithInput, faultRepo } from './support/fixture';

/**
 * Issue 20, item 2: concurrent edits of stagecraft.yaml are all kept. Ten CLIs at once used to
 * keep 3 of 10 (read-modify-write without a lock, and a half-written file read as "not a
 * mapping"); the --secret variant lost values and references.
 */
describe('faults: concurrent edits of stagecraft.yaml', function () {
  this.timeout(120_000);
  const N = 10;

  function envOf(stage: string, text: string): Record<string, unknown> {
    const stages = (parseDocument(text).toJS() as { stages: { name: string; env?: Record<string, unknown> }[] }).stages;
    return stages.find(s => s.name === stage)?.env ?? {};
  }

  it(`${N} concurrent \`env set … --no-apply\` all say "Set" and all are in the file, comments kept`, async () => {
    const repo = faultRepo();
    const results = await Promise.all(Array.from({ length: N }, (_, i) => cli(['env', 'set', 'edits', `PLAIN_${i}`, `value-${i}`, '--no-apply'], repo.dir)));
    results.forEach((r, i) => assert.equal(r.code, 0, `writer ${i}: ${r.output}`));
    const text = repo.read('stagecraft.yaml');
    const env = envOf('edits', text);
    for (let i = 0; i < N; i++) assert.equal(env[`PLAIN_${i}`], `value-${i}`, `PLAIN_${i} lost:\n${text}`);
    assert.equal(env.KEPT, 'yes');
    assert.match(text, /# a comment every edit must keep/);
  });

  it(`${N} concurrent \`env set --secret\`: every reference in the file and every value in the secret store`, async () => {
    const repo = faultRepo();
    const results = await Promise.all(Array.from({ length: N }, (_, i) => cliWithInput(['env', 'set', 'edits', `SECRET_${i}`, '--secret', '--no-apply'], repo.dir, `s3cret-value-${i}\n`)));
    results.forEach((r, i) => assert.equal(r.code, 0, `writer ${i}: ${r.output}`));
    const env = envOf('edits', repo.read('stagecraft.yaml'));
    const stored = await readStageSecrets(repo.dir, 'edits');
    for (let i = 0; i < N; i++) {
      assert.deepEqual(env[`SECRET_${i}`], { secret: `SECRET_${i}` }, `reference SECRET_${i} lost`);
      assert.equal(stored[`SECRET_${i}`], `s3cret-value-${i}`, `value of SECRET_${i} lost`);
    }
    for (const r of results) assert.doesNotMatch(r.output, /s3cret-value/, 'a secret value was printed');
  });

  it('an edit made by someone else (an editor saving) while Stagecraft edits is merged, not lost', async () => {
    const repo = faultRepo();
    const file = join(repo.dir, 'stagecraft.yaml');
    let interfered = false;
    await updateStackFile(file, editor => {
      if (!interfered) {
        interfered = true;
        // Between our read and our write, another program saves the file with a change of its own.
        const theirs = repo.read('stagecraft.yaml').replace('# a comment every edit must keep', '# a comment every edit must keep (and an editor\'s change)');
        require('node:fs').writeFileSync(file, theirs);
      }
      editor.setEnv('edits', 'OURS', 'kept too');
    });
    const text = repo.read('stagecraft.yaml');
    assert.match(text, /and an editor's change/, 'the concurrent edit was lost');
    assert.equal(envOf('edits', text).OURS, 'kept too', 'our edit was lost');
  });

  it('a file that keeps changing under the edit is refused with a message and left as the other writer made it', async () => {
    const repo = faultRepo();
    const file = join(repo.dir, 'stagecraft.yaml');
    let n = 0;
    await assert.rejects(
      rewriteStackFile(file, text => {
        require('node:fs').writeFileSync(file, `${text}# another writer, pass ${++n}\n`);
        return `${text}# ours\n`;
      }),
      /kept changing while Stagecraft was editing it; nothing was written/,
    );
    const text = await fs.readFile(file, 'utf8');
    assert.doesNotMatch(text, /# ours/);
    assert.match(text, new RegExp(`# another writer, pass ${n}`));
    // Put the file back for the other tests.
    await fs.writeFile(file, text.replace(/# another writer, pass \d+\n/g, ''));
  });

  it('a failed secret store rolls the reference back: neither is left without the other', async () => {
    const repo = faultRepo();
    const file = join(repo.dir, 'stagecraft.yaml');
    const secretsDir = join(stateDir(repo.dir), 'secrets');
    await fs.mkdir(secretsDir, { recursive: true });
    const target = join(secretsDir, 'edits.env.json');
    // The store cannot be written (a folder where its file should be).
    const saved = await fs.readFile(target, 'utf8').catch(() => undefined);
    await fs.rm(target, { force: true });
    await fs.mkdir(target);
    try {
      const result = await cliWithInput(['env', 'set', 'edits', 'DOOMED', '--secret', '--no-apply'], repo.dir, 'doomed-value\n');
      assert.notEqual(result.code, 0, result.output);
      assert.equal(envOf('edits', await fs.readFile(file, 'utf8')).DOOMED, undefined, 'the reference stayed without its value');
    } finally {
      await fs.rm(target, { recursive: true, force: true });
      if (saved !== undefined) await fs.writeFile(target, saved, { mode: 0o600 });
    }
  });
});
