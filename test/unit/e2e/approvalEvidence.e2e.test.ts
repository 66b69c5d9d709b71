import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evidenceDigest, type ApprovalEvidence } from '../../../src/core/approval';
import { runDir } from '../../../src/core/pipeline';
import { cliOk, CliProcess, ensureCliBuilt } from './support/cli';
import { destroyStages } from './support/cleanup';
import { GIT_USER, SampleRepo } from './support/sampleRepo';

const STACK = `stack: sample
branchModel: trunk
service:
  dockerfile: Dockerfile
  port: 8080
  healthCheck: /health
stages:
  - name: dev
    provider: local
  - name: test
    provider: local
    requireApproval: true
    env:
      GREETING: Hello from the test stage
    origins:
      - http://localhost:5173
  - name: prod
    provider: local
    requireApproval: true
    env:
      API_KEY: { secret: PROD_API_KEY }
`;

/**
 * The approval review's evidence end to end, through the real CLI on a real run of the sample
 * service (local provider, real git): the run waits at test, is approved there, then waits at prod;
 * `stagecraft approve prod` shows the commits, the configuration diff test → prod, the run's checks
 * and test's approval, and the decision records the digest of exactly that evidence.
 */
describe('e2e: an approval shows its evidence and records its digest', function () {
  this.timeout(300_000);
  let repo: SampleRepo;
  let run: CliProcess;
  let runId: string;
  let second: string;

  before(async function () {
    ensureCliBuilt();
    repo = new SampleRepo({ stackYaml: STACK, keepTests: ['config.test.js'] });
    second = repo.commit('Say hello louder');
    run = new CliProcess(['pipeline', 'run'], repo.dir);
    runId = (await run.waitFor(/Started run (\S+):/, 30_000))[1];
    await run.waitFor(/⏸ test waits for approval/, 240_000);
    await cliOk(['approve', 'test', '--comment', 'test looks good'], repo.dir);
    await run.waitFor(/⏸ prod waits for approval/, 120_000);
  });

  after(async function () {
    run?.kill('SIGKILL');
    if (!repo) return;
    const problems = await destroyStages(repo.dir, ['dev', 'test', 'prod']);
    if (problems.length) console.log(`    cleanup: ${problems.join('\n    cleanup: ')}`);
    repo.remove();
  });

  let shown: { evidence: ApprovalEvidence; evidenceDigest: string };

  it('`stagecraft approve prod --show --json` lists the commits, the config diff, the checks and who approved test', async () => {
    shown = JSON.parse((await cliOk(['approve', 'prod', '--show', '--json'], repo.dir)).stdout) as typeof shown;
    const e = shown.evidence;
    assert.equal(e.stage, 'prod');
    assert.equal(e.runId, runId);
    assert.equal(e.candidate.commit, second);
    // prod never ran a version: the latest commits of the candidate, from git, with their authors.
    assert.deepEqual(e.commits.list.map(c => c.subject), ['Say hello louder', 'sample service']);
    assert.ok(e.commits.list.every(c => c.author === GIT_USER.name), JSON.stringify(e.commits.list));
    assert.equal(e.config.from, 'test');
    assert.ok(e.config.changes.some(l => /^env API_KEY: \(not set\) → secret "PROD_API_KEY"$/.test(l)), e.config.changes.join('\n'));
    assert.ok(e.config.changes.some(l => /^env GREETING: "Hello from the test stage" → \(not set\)$/.test(l)), e.config.changes.join('\n'));
    assert.ok(e.config.changes.some(l => /^origins: − http:\/\/localhost:5173$/.test(l)), e.config.changes.join('\n'));
    const kinds = e.checks.map(c => c.kind);
    for (const kind of ['unit-tests', 'secret-scan', 'sbom', 'audit'] as const) assert.ok(kinds.includes(kind), `check ${kind} in ${kinds.join(', ')}`);
    assert.equal(e.checks.find(c => c.kind === 'unit-tests')?.status, 'succeeded');
    assert.match(e.checks.find(c => c.kind === 'secret-scan')?.summary ?? '', /no secrets in \d+ files/);
    assert.ok(e.sbom && e.sbom.components > 0, `SBOM components: ${JSON.stringify(e.sbom)}`);
    assert.deepEqual(
      e.approvals.map(a => [a.stage, a.decision, a.by, a.comment]),
      [['test', 'approved', GIT_USER.name, 'test looks good']],
    );
    assert.equal(shown.evidenceDigest, evidenceDigest(e), 'the digest is the SHA-256 of the canonical evidence');
  });

  it('the text form shows the same evidence; approving records the digest in the decision, the run and the ledger', async () => {
    const text = (await cliOk(['approve', 'prod', '--show'], repo.dir)).stdout;
    assert.match(text, /Say hello louder — E2E Tester/);
    assert.match(text, /Configuration test → prod:/);
    assert.match(text, /env API_KEY: \(not set\) → secret "PROD_API_KEY"/);
    assert.match(text, /test: approved by E2E Tester \("test looks good"\)/);
    assert.ok(text.includes(`Evidence digest: ${shown.evidenceDigest}`), text);

    const decided = JSON.parse((await cliOk(['approve', 'prod', '--comment', 'ship it', '--json'], repo.dir)).stdout) as { decision: { decision: string; evidenceDigest?: string }; evidenceDigest: string };
    assert.equal(decided.decision.decision, 'approved');
    assert.equal(decided.evidenceDigest, shown.evidenceDigest, 'nothing changed between --show and the decision');
    assert.equal(decided.decision.evidenceDigest, shown.evidenceDigest);

    const folder = join(runDir(repo.dir, runId), 'approvals');
    const file = readdirSync(folder).find(f => f.startsWith('prod-'));
    const onDisk = JSON.parse(readFileSync(join(folder, file!), 'utf8')) as { by: string; comment: string; evidenceDigest: string };
    assert.deepEqual([onDisk.by, onDisk.comment, onDisk.evidenceDigest], [GIT_USER.name, 'ship it', shown.evidenceDigest]);

    await run.waitFor(/prod approved by/, 60_000);
    // prod then deploys (or fails for want of PROD_API_KEY): either way the run ends with the gate recorded.
    await Promise.race([run.done, new Promise(resolve => setTimeout(resolve, 120_000))]);
    const record = JSON.parse(readFileSync(join(runDir(repo.dir, runId), 'run.json'), 'utf8')) as { steps: { id: string; approval?: { evidenceDigest?: string } }[] };
    assert.equal(record.steps.find(s => s.id === 'stage:prod:approval')?.approval?.evidenceDigest, shown.evidenceDigest);
    const ledger = JSON.parse((await cliOk(['releases', '--stage', 'prod', '--json'], repo.dir)).stdout) as { commit: string; attempts: { approval?: { evidenceDigest?: string } }[] }[];
    assert.equal(ledger.find(e => e.commit === second)?.attempts[0]?.approval?.evidenceDigest, shown.evidenceDigest);
  });
});
