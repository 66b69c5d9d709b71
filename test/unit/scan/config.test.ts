import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadScanConfig, scanPaths, scanText } from '../../../src/core/scan';
import { StagecraftError } from '../../../src/core/errors';
import { awsCredentialsFile, FAKE, removeTempDirs, tempDir } from './helpers';

const DB = '@stagecraft/secretlint-rule-database-credentials';
const PRESET = '@secretlint/secretlint-rule-preset-recommend';
const pw = FAKE.dbPassword();

function write(root: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
}

async function rules(root: string, file: string, text: string): Promise<string[]> {
  return (await scanText(root, file, text)).map(f => `${f.line} ${f.ruleId}`);
}

describe('scan configuration: .secretlintrc, .secretlintignore, inline comments', () => {
  after(removeTempDirs);

  it('uses the recommended preset with AWS key ids and Stagecraft rules when there is no config', async () => {
    const root = tempDir();
    const config = await loadScanConfig(root);
    assert.equal(config.file, undefined);
    assert.deepEqual(await rules(root, 'c.ini', awsCredentialsFile()), ['2 @secretlint/secretlint-rule-aws', '3 @secretlint/secretlint-rule-aws']);
    assert.deepEqual(await rules(root, 'db.ts', `x = "postgres://a:${pw}@db/x"`), [`1 ${DB}`]);
  });

  it('reports AWS access key ids but not account ids, which AWS does not treat as secrets', async () => {
    const root = tempDir();
    assert.deepEqual(await rules(root, 'config', `[profile dev]\nsso_account_id = 123456789012\naws_account_id: "1234-5678-9012"\n`), []);
    assert.deepEqual(await rules(root, 'config', `key = ${FAKE.awsKeyId()}\n`), ['1 @secretlint/secretlint-rule-aws']);
  });

  it('follows a .secretlintrc.json: disabled preset rules, rule options, Stagecraft rules kept unless named', async () => {
    const root = tempDir();
    write(
      root,
      '.secretlintrc.json',
      JSON.stringify({
        rules: [
          {
            id: PRESET,
            rules: [
              { id: '@secretlint/secretlint-rule-github', disabled: true },
              { id: '@secretlint/secretlint-rule-database-connection-string', disabled: true },
            ],
          },
          { id: DB, options: { allows: ['/db\\.test/'] } },
        ],
      }),
    );
    const config = await loadScanConfig(root);
    assert.equal(config.file, path.join(root, '.secretlintrc.json'));
    const text = [`t = "${FAKE.githubToken()}"`, `a = "postgres://a:${pw}@db.test/x"`, `b = "postgres://a:${pw}@db.prod/x"`, `DB_PASSWORD=${pw}`].join('\n');
    assert.deepEqual(await rules(root, 'x.ts', text), [`3 ${DB}`]);
    // Without `enableIDScanRule` in the user's config, the preset reports only the secret key.
    assert.deepEqual(await rules(root, 'c.ini', awsCredentialsFile()), ['3 @secretlint/secretlint-rule-aws']);
    assert.deepEqual(await rules(root, '.env', `DB_PASSWORD=${pw}`), ['1 @stagecraft/secretlint-rule-env-secrets'], 'env rule still on');
  });

  it('turns a Stagecraft rule off when the config disables it, and reads YAML configs', async () => {
    const root = tempDir();
    write(root, '.secretlintrc.yaml', `rules:\n  - id: "${PRESET}"\n  - id: "${DB}"\n    disabled: true\n`);
    assert.deepEqual(await rules(root, 'x.ts', `jdbc:postgresql://db.prod/x?user=a&password=${pw}`), []);
    assert.deepEqual(await rules(root, 't.ts', `t = "${FAKE.githubToken()}"`), ['1 @secretlint/secretlint-rule-github']);
    // The preset's own connection-string rule is on in this config, and reports the URL form.
    assert.deepEqual(await rules(root, 'x.ts', `postgres://a:${pw}@db.prod/x`), ['1 @secretlint/secretlint-rule-database-connection-string']);
  });

  it('reads the "secretlint" field of package.json', async () => {
    const root = tempDir();
    write(root, 'package.json', JSON.stringify({ name: 'x', secretlint: { rules: [{ id: DB }] } }));
    assert.equal((await loadScanConfig(root)).file, path.join(root, 'package.json'));
    assert.deepEqual(await rules(root, 't.ts', `t = "${FAKE.githubToken()}"`), [], 'the preset is not in this config');
  });

  it('loads a rule package installed next to the config', async () => {
    const root = tempDir();
    const pkg = path.join(root, 'node_modules', 'secretlint-rule-forbidden-word');
    write(pkg, 'package.json', JSON.stringify({ name: 'secretlint-rule-forbidden-word', type: 'module', main: 'index.js' }));
    write(
      pkg,
      'index.js',
      `export const creator = {
  messages: { FOUND: { en: () => 'forbidden word' } },
  meta: { id: 'secretlint-rule-forbidden-word', recommended: false, type: 'scanner', supportedContentTypes: ['text'] },
  create(context) {
    const t = context.createTranslator(this.messages);
    return { file(source) { const i = source.content.indexOf('FORBIDDEN'); if (i >= 0) context.report({ message: t('FOUND'), range: [i, i + 9] }); } };
  },
};\n`,
    );
    write(root, '.secretlintrc.json', JSON.stringify({ rules: [{ id: 'forbidden-word' }] }));
    assert.deepEqual(await rules(root, 'a.txt', 'ok\nthis is FORBIDDEN here'), ['2 forbidden-word']);
  });

  it('rejects a broken config or a missing rule as bad input that names the file', async () => {
    const broken = tempDir();
    write(broken, '.secretlintrc.json', '{ "rules": [ { "options": {} } ] }');
    await assert.rejects(loadScanConfig(broken), (e: StagecraftError) => e.kind === 'input' && e.message.includes('.secretlintrc.json') && /id/.test(e.message));
    const missing = tempDir();
    write(missing, '.secretlintrc.json', '{ "rules": [ { "id": "no-such-rule-here" } ] }');
    await assert.rejects(loadScanConfig(missing), (e: StagecraftError) => e.kind === 'input' && /not installed/.test(e.message) && /secretlint-rule-no-such-rule-here/.test(e.hint ?? ''));
    const unparsable = tempDir();
    write(unparsable, '.secretlintrc.json', '{ rules: [');
    await assert.rejects(loadScanConfig(unparsable), (e: StagecraftError) => e.kind === 'input');
  });

  it('picks up a changed config without a restart', async () => {
    const root = tempDir();
    write(root, '.secretlintrc.json', JSON.stringify({ rules: [{ id: DB, disabled: true }] }));
    assert.deepEqual(await rules(root, 'x.ts', `postgres://a:${pw}@db.prod/x`), []);
    write(root, '.secretlintrc.json', JSON.stringify({ rules: [{ id: DB }], sharedOptions: {} }));
    assert.deepEqual(await rules(root, 'x.ts', `postgres://a:${pw}@db.prod/x`), [`1 ${DB}`]);
  });

  it('leaves out what .secretlintignore lists (gitignore syntax) and secretlint config files', async () => {
    const root = tempDir();
    write(root, '.secretlintignore', '# test data\nfixtures/\n*.sample\n!keep.sample\n');
    for (const f of ['fixtures/a.ts', 'b.sample', 'keep.sample', 'src/c.ts']) write(root, f, awsCredentialsFile());
    const report = await scanPaths(root, ['.']);
    assert.deepEqual([...new Set(report.findings.map(f => f.file))].sort(), ['keep.sample', 'src/c.ts']);
    assert.deepEqual(report.skipped.filter(s => s.reason === 'ignored').map(s => s.file).sort(), ['b.sample', 'fixtures/a.ts']);
  });

  it("honours secretlint's inline comments, also in block comments with a `--`", async () => {
    const root = tempDir();
    const key = FAKE.awsKeyId();
    const text = [`a = "${key}" // secretlint-disable-line`, '# secretlint-disable-next-line', `b = "${key}"`, `c = "${key}"`, '/* secretlint-disable -- test data */', `d = "${key}"`, '/* secretlint-enable -- */', `e = "${key}"`].join('\n');
    assert.deepEqual(await rules(root, 'x.ts', text), ['4 @secretlint/secretlint-rule-aws', '8 @secretlint/secretlint-rule-aws']);
  });
});
