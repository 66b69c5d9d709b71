import * as assert from 'node:assert/strict';
import type { RunRecord, StepRecord, StepStatus } from '../../../src/core/pipeline';
import { activityWord, stageActivity } from '../../../src/core/stageActivity';

/** A run to dev and prod (prod behind an approval), each step in the status given (pending otherwise). */
function run(status: RunRecord['status'], steps: Record<string, StepStatus>, extra: Partial<RunRecord> & { approval?: StepRecord['approval'] } = {}): RunRecord {
  const plan: Array<[string, StepRecord['kind'], StepRecord['group'], string?]> = [
    ['source', 'source', 'source'],
    ['build:artifact', 'artifact', 'build'],
    ['stage:dev:deploy', 'deploy', 'stage', 'dev'],
    ['stage:dev:promote', 'promote', 'stage', 'dev'],
    ['stage:prod:approval', 'approval', 'stage', 'prod'],
    ['stage:prod:migrate', 'migrate', 'stage', 'prod'],
    ['stage:prod:deploy', 'deploy', 'stage', 'prod'],
    ['stage:prod:promote', 'promote', 'stage', 'prod'],
  ];
  const { approval, ...rest } = extra;
  return {
    version: 1,
    id: extra.id ?? '20260101-120000-000-ab12',
    stack: 'shop',
    commit: 'a'.repeat(40),
    stages: ['dev', 'prod'],
    createdAt: '2026-01-01T12:00:00.000Z',
    status,
    warnings: [],
    steps: plan.map(([id, kind, group, stage]) => ({ id, kind, group, stage, label: id, status: steps[id] ?? 'pending', ...(kind === 'approval' && approval ? { approval } : {}) })),
    stageRecords: {},
    ...rest,
  };
}

const approved = { requestId: 'r1', requestedAt: '2026-01-01T12:01:00Z', expiresAt: '2026-01-02T12:01:00Z', decision: 'approved' as const, by: 'ana' };

describe('core: what the run records add to a stage row (stageActivity)', () => {
  it('reads "building" for every stage of a live run while its source and build steps run', () => {
    const building = run('running', { source: 'succeeded', 'build:artifact': 'running' });
    assert.equal(activityWord(stageActivity('dev', [building])!), 'building');
    assert.equal(activityWord(stageActivity('prod', [building])!), 'building');
    assert.equal(stageActivity('test', [building]), undefined, 'a stage the run does not go to');
  });

  it('reads "approved · migrating", then "approved · deploying", after the approval, until the stage serves', () => {
    const base = { source: 'succeeded', 'build:artifact': 'succeeded', 'stage:dev:deploy': 'succeeded', 'stage:dev:promote': 'succeeded', 'stage:prod:approval': 'succeeded' } as const;
    const migrating = run('running', { ...base, 'stage:prod:migrate': 'running' }, { approval: approved });
    assert.equal(activityWord(stageActivity('prod', [migrating])!), 'approved · migrating');
    const deploying = run('running', { ...base, 'stage:prod:migrate': 'succeeded', 'stage:prod:deploy': 'running' }, { approval: approved });
    assert.equal(activityWord(stageActivity('prod', [deploying])!), 'approved · deploying');
    const serving = run('running', { ...base, 'stage:prod:migrate': 'succeeded', 'stage:prod:deploy': 'succeeded' }, { approval: approved, stageRecords: { prod: { stage: 'prod', status: 'serving' } } });
    assert.equal(stageActivity('prod', [serving]), undefined, 'a stage that serves the new version reads as its provider says');
    assert.equal(stageActivity('dev', [migrating]), undefined, 'dev has no approval to report');
  });

  it('reads "rejected" for the stage whose promotion was rejected, with who and why', () => {
    const rejected = run('rejected', { source: 'succeeded', 'build:artifact': 'succeeded', 'stage:prod:approval': 'failed' }, { approval: { ...approved, decision: 'rejected', comment: 'not on a Friday' } });
    assert.deepEqual(stageActivity('prod', [rejected]), { kind: 'rejected', runId: rejected.id, by: 'ana', at: undefined, comment: 'not on a Friday' });
    assert.equal(stageActivity('dev', [rejected]), undefined);
  });

  it('only the newest run to the stage counts; an interrupted run adds nothing', () => {
    const rejected = run('rejected', {}, { id: '20260101-110000-000-ab12', approval: { ...approved, decision: 'rejected' } });
    const newer = run('succeeded', {}, { id: '20260101-130000-000-ab12' });
    assert.equal(stageActivity('prod', [newer, rejected]), undefined, 'a later run to prod replaces the rejection');
    assert.equal(stageActivity('dev', [run('interrupted', { 'build:artifact': 'running' })]), undefined);
  });
});
