import * as assert from 'node:assert/strict';
import { defaultPosition } from '../../../../src/core/config/position';

describe('core: where Add Stage puts a new stage by default (defaultPosition)', () => {
  const stage = (name: string, isProtected = false) => ({ name, protected: isProtected });

  it('goes just before the first protected stage, not after prod', () => {
    assert.deepEqual(defaultPosition([stage('dev'), stage('test'), stage('prod', true)]), { after: 'test' });
    assert.deepEqual(defaultPosition([stage('dev'), stage('staging', true), stage('prod', true)]), { after: 'dev' });
  });

  it('goes first when the first stage is protected, and last when none is', () => {
    assert.deepEqual(defaultPosition([stage('prod', true)]), { first: true });
    assert.deepEqual(defaultPosition([stage('dev'), stage('test')]), {});
    assert.deepEqual(defaultPosition([]), {});
  });
});
