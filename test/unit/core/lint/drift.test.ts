import * as assert from 'node:assert/strict';
import { parseStackFile } from '../../../../src/core/config/load';
import { driftProblems, stageDrift } from '../../../../src/core/lint/drift';
import { applyDriftFix, driftFixTitle } from '../../../../src/core/lint/driftFix';

const stage = (name: string, extra: Partial<Parameters<typeof stageDrift>[0][number]> = {}) => ({ name, env: {}, origins: [], database: 'none', ...extra });

describe('core/lint/drift: configuration drift across stages', () => {
  it('reports what the stage before has and the next lacks: variables, secret references, origins, a database', () => {
    const found = stageDrift([
      stage('dev', { env: { A: '1' } }),
      stage('test', { env: { A: '1', GREETING: 'hi', KEY: { secret: 'test-key' } }, origins: ['http://localhost:5173'], database: 'postgres' }),
      stage('prod', { env: { A: '2' } }),
    ]);
    assert.deepEqual(
      found.map(f => [f.stage, f.upstream, f.kind, f.key]),
      [
        ['prod', 'test', 'variable', 'GREETING'],
        ['prod', 'test', 'secret', 'KEY'],
        ['prod', 'test', 'origin', 'http://localhost:5173'],
        ['prod', 'test', 'database', 'database'],
      ],
    );
    assert.deepEqual(found[1].value, { secret: 'test-key' }, 'a secret is carried by reference only');
  });

  it('says nothing when the downstream stage has everything (different values are not drift) or has more', () => {
    assert.deepEqual(stageDrift([stage('a', { env: { X: '1' }, database: 'postgres' }), stage('b', { env: { X: '2', Y: '3' }, origins: ['https://b.example.com'], database: 'postgres' })]), []);
    assert.deepEqual(stageDrift([stage('only')]), []);
  });

  it('driftProblems: a warning at the downstream stage name, coded for the quick fix; none for an invalid file', () => {
    const text = 'stack: shop\nstages:\n  - name: test\n    env: { GREETING: hi }\n  - name: prod\n';
    const parsed = parseStackFile(text, '/x/stagecraft.yaml');
    const problems = driftProblems({ ...parsed, text, file: '/x/stagecraft.yaml' });
    assert.equal(problems.length, 1);
    assert.deepEqual({ ...problems[0], message: undefined }, { file: '/x/stagecraft.yaml', line: 5, column: 11, endLine: 5, endColumn: 15, field: 'stages[1]', message: undefined, severity: 'warning', code: 'stage-drift' });
    const broken = parseStackFile('stack: shop\nstages:\n  - name: test\n    env: { GREETING: hi }\n  - nme: prod\n', '/x/stagecraft.yaml');
    assert.deepEqual(driftProblems({ ...broken, text: '', file: '/x/stagecraft.yaml' }), []);
  });
});

describe('core/lint/driftFix: copy from the stage before', () => {
  const text = 'stack: shop\nstages:\n  - name: test   # upstream\n    database: postgres\n    env:\n      GREETING: hi\n      KEY: { secret: test-key }\n    origins: [http://localhost:5173]\n  - name: prod   # keep me\n    env:\n      A: "1"\n';

  it('copies a variable, a secret reference, an origin and the database, keeping comments, until nothing drifts', () => {
    let current = text;
    for (;;) {
      const stack = parseStackFile(current, '/x/stagecraft.yaml').stack!;
      const found = stageDrift(stack.stages);
      if (found.length === 0) break;
      assert.match(driftFixTitle(found[0]), / from test$/);
      current = applyDriftFix(current, '/x/stagecraft.yaml', found[0]);
    }
    const prod = parseStackFile(current, '/x/stagecraft.yaml').stack!.stages[1];
    assert.deepEqual(prod.env, { A: '1', GREETING: 'hi', KEY: { secret: 'test-key' } });
    assert.deepEqual(prod.origins, ['http://localhost:5173']);
    assert.equal(prod.database, 'postgres');
    assert.match(current, /- name: prod {3}# keep me/);
    assert.match(current, /- name: test {3}# upstream/);
  });
});
