import * as assert from 'node:assert/strict';
import { scanText } from '../../../src/core/scan';
import { commentStyleFor, envEntryAt, ignoreCommentInserts, type TextInsert } from '../../../src/core/scan/fixes';
import { FAKE, removeTempDirs, tempDir } from './helpers';

function apply(text: string, inserts: TextInsert[]): string {
  let out = text;
  for (const i of [...inserts].sort((a, b) => b.offset - a.offset)) out = out.slice(0, i.offset) + i.text + out.slice(i.offset);
  return out;
}

describe('quick fixes computed from text', () => {
  let root: string;
  before(() => (root = tempDir()));
  after(removeTempDirs);

  const key = FAKE.awsKeyId();
  const cases: Array<[string, string]> = [
    ['src/app.ts', `export function f() {\n    const k = '${key}';\n}\n`],
    ['deploy.sh', `#!/bin/sh\nexport K=${key}\n`],
    ['config.yaml', `a:\n  b: ${key}\n`],
    ['app.env', `K=${key}\n`],
    ['query.sql', `select '${key}';\r\nselect 1;\r\n`],
    ['README.md', `Key:\n\n    ${key}\n`],
    ['site.css', `.a { content: "${key}"; }\n`],
  ];
  for (const [file, text] of cases) {
    it(`"Ignore this line" silences the finding in ${file}, keeping indentation and line endings`, async () => {
      const [finding] = await scanText(root, file, text);
      assert.ok(finding, 'the sample must have a finding first');
      const inserts = ignoreCommentInserts(text, file, finding.start, finding.end)!;
      const fixed = apply(text, inserts);
      assert.deepEqual(await scanText(root, file, fixed), [], fixed);
      const line = text.slice(text.lastIndexOf('\n', finding.start - 1) + 1);
      const indent = /^[ \t]*/.exec(line)![0];
      assert.ok(inserts[0].text.startsWith(indent));
      assert.equal(inserts[0].text.endsWith('\r\n'), text.includes('\r\n'));
    });
  }

  it('brackets a finding that spans lines (a private key) with disable/enable', async () => {
    const pem = `-----BEGIN RSA PRI${'VATE KEY'}-----\nMIIEow${'A'.repeat(200)}\n-----END RSA PRIVATE KEY-----\n`;
    const text = `const k = \`${pem}\`;\nconst after = 1;\n`;
    const [finding] = await scanText(root, 'k.ts', text);
    assert.ok(finding && finding.endLine > finding.line);
    const inserts = ignoreCommentInserts(text, 'k.ts', finding.start, finding.end)!;
    assert.equal(inserts.length, 2);
    assert.deepEqual(await scanText(root, 'k.ts', apply(text, inserts)), []);
  });

  it('offers no ignore comment where the format has none', () => {
    assert.equal(commentStyleFor('package.json'), undefined);
    assert.equal(ignoreCommentInserts(`{"k": "${key}"}`, 'package.json', 7, 27), undefined);
    assert.ok(commentStyleFor('Dockerfile'));
    assert.ok(commentStyleFor('.env.production'));
  });

  it('finds the stagecraft.yaml env entry a secret belongs to, with its stage and full value', () => {
    const url = `postgres://shop:${FAKE.dbPassword()}@db/shop`;
    const text = `stack: shop\nstages:\n  - name: dev\n    env:\n      DATABASE_URL: "${url}"\n  - name: prod\n    env:\n      API_TOKEN: ${FAKE.dbPassword()}x\n`;
    const inUrl = text.indexOf(FAKE.dbPassword());
    assert.deepEqual(envEntryAt(text, 'stagecraft.yaml', inUrl, inUrl + 4), { kind: 'stack', name: 'DATABASE_URL', value: url, stage: 'dev' });
    const tokenAt = text.lastIndexOf(FAKE.dbPassword());
    assert.equal(envEntryAt(text, 'stagecraft.yaml', tokenAt, tokenAt + 3)?.stage, 'prod');
    assert.equal(envEntryAt(text, 'stagecraft.yaml', 0, 4), undefined, 'not an env value');
    assert.equal(envEntryAt(text, 'other.yaml', inUrl, inUrl + 4), undefined, 'only stagecraft.yaml');
  });

  it('finds the .env line a secret belongs to, with the whole unquoted value', () => {
    const text = `A=1\nexport DB_URL="postgres://a:${FAKE.dbPassword()}@h/d" # prod\nB=2\n`;
    const at = text.indexOf(FAKE.dbPassword());
    const entry = envEntryAt(text, '.env', at, at + 5)!;
    assert.equal(entry.name, 'DB_URL');
    assert.equal(entry.value, `postgres://a:${FAKE.dbPassword()}@h/d`);
    assert.equal(text.slice(entry.lineStart, entry.lineEnd), `export DB_URL="postgres://a:${FAKE.dbPassword()}@h/d" # prod\n`);
    assert.equal(envEntryAt(text, '.env', 0, 1), undefined, 'the name is not the value');
  });
});
