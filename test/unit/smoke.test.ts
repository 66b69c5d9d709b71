import * as assert from 'node:assert/strict';
import { parseStackFile } from '../../src/core/config/load';

describe('smoke', () => {
  it('parses a minimal stack', () => {
    const r = parseStackFile('stack: shop\nstages:\n  - name: dev\n', 'stagecraft.yaml');
    assert.equal(r.stack?.stages[0].name, 'dev');
  });
});
