import * as assert from 'node:assert/strict';
import { buildLedger } from '../../../../src/core/ledger';
import type { RunRecord, StageRunRecord, StepRecord } from '../../../../src/core/pipeline';

/** A finished run record of `commit` through `stages`, each ending as `outcomes` says (serving by default). */
function run(id: string, commit: string, stages: string[], outcomes: Record<string, StageRunRecord['status']> = {}, extra: Partial<RunRecord> = {}): RunRecord {
  const at = (m: number) => `2026-01-01T10:${String(Number(id.slice(-2)) + m).padStart(2, '0')}:00.000Z`;
  const steps: StepRecord[] = stages.flatMap(stage => {
    const status = outcomes[stage] ?? 'serving';
    const end = status === 'serving' ? 'succeeded' : 'failed';
    return [
      { id: `stage:${stage}:deploy`, kind: 'deploy', group: 'stage', stage, label: `${stage}: deploy`, status: 'succeeded', startedAt: at(0), endedAt: at(0) },
      { id: `stage:${stage}:health`, kind: 'health', group: 'stage', stage, label: `${stage}: health check`, status: end, startedAt: at(0), endedAt: at(0), summary: end === 'failed' ? 'GET /health answered 500' : 'ok' },
      ...(status === 'serving' ? [{ id: `stage:${stage}:promote`, kind: 'promote', group: 'stage', stage, label: `${stage}: promote`, status: 'succeeded', startedAt: at(1), endedAt: at(1) } as StepRecord] : []),
    ] as StepRecord[];
  });
  return {
    version: 1,
    id: `20260101-1000${id.slice(-2)}-000-abcd`,
    stack: 'shop',
    commit,
    stages,
    createdAt: at(0),
    status: Object.values(outcomes).some(s => s !== 'serving') ? 'failed' : 'succeeded',
    warnings: [],
    artifact: { id: `art-${commit}`, commit },
    steps,
    stageRecords: Object.fromEntries(stages.map(s => [s, { stage: s, status: outcomes[s] ?? 'serving', commit, artifact: `art-${commit}` }])),
    ...extra,
  };
}

describe('core/ledger: buildLedger', () => {
  const commits = [
    { hash: 'c3', author: 'Ann', date: '2026-01-01T09:03:00Z', subject: 'third' },
    { hash: 'c2', author: 'Bob', date: '2026-01-01T09:02:00Z', subject: 'second' },
    { hash: 'c1', author: 'Ann', date: '2026-01-01T09:01:00Z', subject: 'first' },
  ];

  it('lists commits newest first with the stages each reached, and marks what each stage runs now', () => {
    const runs = [run('03', 'c2', ['dev', 'test']), run('01', 'c1', ['dev', 'test'])];
    const ledger = buildLedger(runs, { dev: { commit: 'c2' }, test: { commit: 'c2' } }, commits);
    assert.deepEqual(ledger.map(e => e.commit), ['c2', 'c1', 'c3']);
    assert.deepEqual(ledger[0].current.sort(), ['dev', 'test']);
    assert.deepEqual(ledger[0].attempts.map(a => `${a.stage}:${a.outcome}`).sort(), ['dev:serving', 'test:serving']);
    assert.deepEqual(ledger[1].attempts.map(a => a.outcome), ['served', 'served']);
    assert.equal(ledger[1].subject, 'first');
    assert.equal(ledger[1].artifact, 'art-c1');
    assert.deepEqual(ledger[2].attempts, [], 'a commit no run took is listed, with no attempts');
  });

  it('shows a rolled-back attempt as such and keeps the earlier release current', () => {
    const runs = [run('05', 'c3', ['dev'], { dev: 'rolled-back' }), run('01', 'c1', ['dev'])];
    const ledger = buildLedger(runs, { dev: { commit: 'c1' } }, commits);
    const c3 = ledger.find(e => e.commit === 'c3')!;
    assert.equal(c3.attempts[0].outcome, 'rolled-back');
    assert.match(c3.attempts[0].detail ?? '', /health check: GET \/health answered 500/);
    assert.deepEqual(ledger.find(e => e.commit === 'c1')!.current, ['dev']);
  });

  it('records approvals with their comment, and marks rollback runs', () => {
    const approved = run('04', 'c2', ['prod']);
    approved.steps.unshift({ id: 'stage:prod:approval', kind: 'approval', group: 'stage', stage: 'prod', label: 'prod: approval', status: 'succeeded', approval: { requestId: 'x', requestedAt: '', expiresAt: '', decision: 'approved', by: 'Ann', comment: 'ship it' } });
    const back = run('09', 'c1', ['prod'], {}, { rollbackTo: { stage: 'prod', commit: 'c1' } });
    const ledger = buildLedger([back, approved], { prod: { commit: 'c1' } }, []);
    const c2 = ledger.find(e => e.commit === 'c2')!;
    assert.deepEqual(c2.attempts[0].approval, { decision: 'approved', by: 'Ann', comment: 'ship it' });
    assert.equal(c2.attempts[0].outcome, 'served');
    const c1 = ledger.find(e => e.commit === 'c1')!;
    assert.equal(c1.attempts[0].rollback, true);
    assert.equal(c1.attempts[0].outcome, 'serving');
  });

  it('filters by stage: only commits that went to it, only its attempts', () => {
    const runs = [run('03', 'c2', ['dev']), run('01', 'c1', ['dev', 'test'])];
    const ledger = buildLedger(runs, {}, commits, { stage: 'test' });
    assert.deepEqual(ledger.map(e => e.commit), ['c1']);
    assert.deepEqual(ledger[0].attempts.map(a => a.stage), ['test']);
  });
});
