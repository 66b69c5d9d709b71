import * as assert from 'node:assert/strict';
import { parseStackFile } from '../../../../src/core/config/load';
import { driftProblems, stageDrift } from '../../../../src/core/lint/drift';

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
