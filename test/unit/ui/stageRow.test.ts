import * as assert from 'node:assert/strict';
import { stageStatusWord } from '../../../src/ui/stageRow';

describe('ui: the status word and icon of a stage row (stageStatusWord)', () => {
  const drift = [{ what: 'env' as const, key: 'LOG_LEVEL', detail: 'LOG_LEVEL runs with another value' }];

  it('says what a run does before what the provider last saw', () => {
    assert.deepEqual(stageStatusWord({ status: { kind: 'not-deployed' }, activity: { kind: 'building', runId: 'r' } }), { word: 'building', icon: ['tools', 'charts.blue'] });
    assert.equal(stageStatusWord({ status: { kind: 'healthy' }, activity: { kind: 'approved', phase: 'migrating', runId: 'r' } }).word, 'approved · migrating');
  });

  it('reads "rejected" where nothing serves, and keeps "healthy" where the old version still serves', () => {
    assert.equal(stageStatusWord({ status: { kind: 'not-deployed' }, activity: { kind: 'rejected', runId: 'r' } }).word, 'rejected');
    assert.equal(stageStatusWord({ status: { kind: 'healthy' }, activity: { kind: 'rejected', runId: 'r' } }).word, 'healthy');
  });

  it('reads "drifted" for a running stage whose configuration differs, and a waiting approval stays visible', () => {
    assert.deepEqual(stageStatusWord({ status: { kind: 'healthy' }, drift }), { word: 'drifted', icon: ['warning', 'charts.yellow'] });
    assert.equal(stageStatusWord({ status: { kind: 'healthy' }, drift: [] }).word, 'healthy');
    assert.equal(stageStatusWord({ status: { kind: 'awaiting-approval' }, activity: { kind: 'building', runId: 'r' } }).word, 'awaiting approval');
    assert.equal(stageStatusWord({ status: { kind: 'not-deployed' } }).word, 'not deployed');
  });
});
