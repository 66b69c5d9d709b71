import * as assert from 'node:assert/strict';
import { LastGood } from '../../../src/ui/lastGood';

describe('ui: the last good stack of a folder while its file is broken (LastGood)', () => {
  it('shows the fresh value, then the last good one marked stale while there is none, then the next fresh one', () => {
    const last = new LastGood<{ stages: string[] }>();
    const good = { stages: ['dev', 'prod'] };
    assert.deepEqual(last.resolve('a', good), { value: good, stale: false });
    assert.deepEqual(last.resolve('a', undefined), { value: good, stale: true }, 'a typo keeps the stages');
    assert.deepEqual(last.resolve('a', undefined), { value: good, stale: true });
    const fixed = { stages: ['dev', 'test', 'prod'] };
    assert.deepEqual(last.resolve('a', fixed), { value: fixed, stale: false });
  });

  it('has nothing for a file that was never valid, keeps folders apart, and forgets a deleted file', () => {
    const last = new LastGood<string>();
    assert.deepEqual(last.resolve('a', undefined), { stale: false });
    last.resolve('b', 'stack-b');
    assert.deepEqual(last.resolve('a', undefined), { stale: false });
    last.forget('b');
    assert.deepEqual(last.resolve('b', undefined), { stale: false });
  });
});
