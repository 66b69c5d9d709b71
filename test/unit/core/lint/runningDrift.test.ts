import * as assert from 'node:assert/strict';
import { parseStackFile } from '../../../../src/core/config/load';
import { runningDrift } from '../../../../src/core/lint/runningDrift';

const stack = parseStackFile(
  'stack: shop\nstages:\n  - name: dev\n    database: postgres\n    env:\n      GREETING: hi\n      TOKEN: { secret: dev-token }\n      NEW: "1"\n    origins: [http://localhost:5173]\n',
  '/x/stagecraft.yaml',
).stack!;
const dev = stack.stages[0];

describe('core/lint/runningDrift: a running stage against the file', () => {
  it('is in sync when env, secrets, origins and the database match', () => {
    const running = { env: { GREETING: 'hi', TOKEN: 's3cret-value', NEW: '1', PG_HOST: '127.0.0.1' }, origins: ['http://localhost:5173'], database: true };
    assert.deepEqual(runningDrift(dev, running, name => (name === 'dev-token' ? 's3cret-value' : undefined)), []);
  });

  it('names what differs, never a value', () => {
    const running = { env: { GREETING: 'hello', TOKEN: 'old-secret-value' }, origins: ['https://other.example.com'], database: false };
    const found = runningDrift(dev, running, () => 'new-secret-value');
    assert.deepEqual(found.map(d => `${d.what}:${d.key}`), ['env:GREETING', 'env:TOKEN', 'env:NEW', 'origin:http://localhost:5173', 'origin:https://other.example.com', 'database:database']);
    const text = found.map(d => d.detail).join('\n');
    assert.doesNotMatch(text, /secret-value|hello/);
    assert.match(text, /NEW is in the file but not in the running version/);
  });

  it('compares only what the provider could read', () => {
    assert.deepEqual(runningDrift(dev, { origins: ['http://localhost:5173'] }), []);
  });
});
