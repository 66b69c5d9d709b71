import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliOk, ensureCliBuilt, stageUrl } from './support/cli';
import { destroyStages } from './support/cleanup';
import { info } from './support/http';
import { SampleRepo } from './support/sampleRepo';

/** What `stagecraft releases --json` prints (the fields these tests read). */
interface Entry {
  commit: string;
  subject?: string;
  current: string[];
  attempts: { stage: string; outcome: string; runId: string; rollback?: boolean; artifact?: string }[];
}

const STACK = `stack: ledger
branchModel: trunk
service:
  dockerfile: Dockerfile
  port: 8080
  healthCheck: /health
  migrate: npm run migrate
stages:
  - name: dev
    provider: local
    database: postgres
  - name: test
    provider: local
    database: postgres
`;

/**
 * The release ledger and rollback end to end, through the real CLI on the sample service: three
 * commits released dev → test, `releases` lists each with its stages, and `rollback dev --to
 * <commit 1>` puts commit 1's recorded artifact back on dev (no build) — checked over HTTP.
 */
describe('e2e: the release ledger and rollback to any release', function () {
  this.timeout(600_000);
  let repo: SampleRepo;
  const commits: string[] = [];

  before(async function () {
    ensureCliBuilt();
    repo = new SampleRepo({ stackYaml: STACK, keepTests: ['config.test.js'] });
    commits.push(repo.head());
    await cliOk(['pipeline', 'run'], repo.dir);
    commits.push(repo.commit('second release', { 'README.md': t => `${t}\nSecond.\n` }));
    await cliOk(['pipeline', 'run'], repo.dir);
    commits.push(repo.commit('third release', { 'README.md': t => `${t}\nThird.\n` }));
    await cliOk(['pipeline', 'run'], repo.dir);
  });

  after(async function () {
    if (!repo) return;
    const problems = await destroyStages(repo.dir, ['dev', 'test']);
    if (problems.length) console.log(`    cleanup: ${problems.join('\n    cleanup: ')}`);
    repo.remove();
  });

  it('`releases` lists the three commits newest first, each with the stages it reached, and marks what runs now', async () => {
    const entries = JSON.parse((await cliOk(['releases', '--json'], repo.dir)).stdout) as Entry[];
    assert.deepEqual(entries.slice(0, 3).map(e => e.commit), [...commits].reverse());
    for (const e of entries.slice(0, 3)) assert.deepEqual(e.attempts.map(a => a.stage).sort(), ['dev', 'test'], `stages of ${e.commit}`);
    assert.deepEqual(entries[0].current.sort(), ['dev', 'test']);
    assert.deepEqual(entries[0].attempts.map(a => a.outcome), ['serving', 'serving']);
    assert.deepEqual(entries[2].attempts.map(a => a.outcome), ['served', 'served']);
    assert.equal(entries[1].subject, 'second release');
    const text = (await cliOk(['releases', '--stage', 'test'], repo.dir)).stdout;
    assert.match(text, new RegExp(`${commits[2].slice(0, 8)}  third release .*\\[runs on test\\]`));
    assert.doesNotMatch(text, /^\s+dev\s/m, '--stage test shows only test attempts');
  });

  it('`rollback dev --to <commit 1>` serves commit 1 again from its recorded artifact, with no build and no migration', async () => {
    const started = Date.now();
    const result = await cliOk(['rollback', 'dev', '--to', commits[0].slice(0, 10), '--json'], repo.dir);
    const took = Date.now() - started;
    console.log(`    rollback of dev to an artifact on disk: ${(took / 1000).toFixed(2)} s (CLI start to finish; target ≤ 5 s)`);
    const out = JSON.parse(result.stdout) as { warnings: string[]; run: { status: string; commit: string; steps: { group: string; kind: string }[] } };
    assert.equal(out.run.status, 'succeeded');
    assert.equal(out.run.commit, commits[0]);
    assert.deepEqual(out.run.steps.filter(s => s.group !== 'stage'), [], 'no source or build steps');
    assert.ok(!out.run.steps.some(s => s.kind === 'migrate'), 'no migration');
    assert.ok(out.warnings.some(w => /schema of dev has moved since/.test(w) && w.includes(commits[1].slice(0, 8)) && w.includes(commits[2].slice(0, 8))), out.warnings.join('\n'));
    const served = await info(await stageUrl(repo.dir, 'dev'));
    assert.equal(served.commitHash, commits[0]);
    assert.equal((await info(await stageUrl(repo.dir, 'test'))).commitHash, commits[2], 'test is untouched');
  });

  it('the ledger then shows commit 1 serving on dev as a rollback, and commit 3 only on test', async () => {
    const entries = JSON.parse((await cliOk(['releases', '--json'], repo.dir)).stdout) as Entry[];
    const first = entries.find(e => e.commit === commits[0])!;
    assert.deepEqual(first.current, ['dev']);
    assert.equal(first.attempts[0].rollback, true);
    assert.equal(first.attempts[0].outcome, 'serving');
    const third = entries.find(e => e.commit === commits[2])!;
    assert.deepEqual(third.current, ['test']);
  });

  it('rollback without --to goes back to the release before the current one; a commit that never served the stage is refused', async () => {
    const bad = await cliOk(['rollback', 'dev', '--to', 'deadbeef'], repo.dir, 2);
    assert.match(bad.stderr, /No release of dev matches "deadbeef"/);
    const result = await cliOk(['rollback', 'dev'], repo.dir);
    assert.match(result.stdout, new RegExp(`Rolling back dev to ${commits[2].slice(0, 8)}`));
    assert.equal((await info(await stageUrl(repo.dir, 'dev'))).commitHash, commits[2]);
  });

  it('`drift` reads "in sync" for the running stages, then "drifted" once stagecraft.yaml changes behind their back', async () => {
    const clean = JSON.parse((await cliOk(['drift', '--json'], repo.dir)).stdout) as { stage: string; state: string }[];
    assert.deepEqual(clean.map(r => `${r.stage}:${r.state}`), ['dev:in-sync', 'test:in-sync']);
    writeFileSync(join(repo.dir, 'stagecraft.yaml'), STACK.replace('    database: postgres\n  - name: test', '    database: postgres\n    env:\n      FEATURE_FLAG: "on"\n    origins: [https://app.example.com]\n  - name: test'));
    const drifted = await cliOk(['drift', 'dev'], repo.dir, 1);
    assert.match(drifted.stdout, /^dev: DRIFTED from stagecraft\.yaml/m);
    assert.match(drifted.stdout, /FEATURE_FLAG is in the file but not in the running version/);
    assert.match(drifted.stdout, /origin https:\/\/app\.example\.com is in the file but not allowed by the running stage/);
  });
});
