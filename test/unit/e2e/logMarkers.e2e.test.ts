import * as assert from 'node:assert/strict';
import { cliOk, ensureCliBuilt, stageUrl } from './support/cli';
import { destroyStages } from './support/cleanup';
import { info, request } from './support/http';
import { SampleRepo } from './support/sampleRepo';

const STACK = `stack: tail
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
`;

const tag = (commit: string) => commit.slice(0, 12);
const short = (commit: string) => commit.slice(0, 8);

/**
 * The deployment-aware tail and promote, end to end through the real CLI on the sample service:
 * commit 1 then commit 2 deployed to dev, `logs dev` shows commit 1's lines tagged with commit 1,
 * the markers of commit 2's deploy and switch, commit 2's lines tagged with commit 2, and the
 * error summary; then `promote <commit 1> --to test` puts commit 1's recorded artifact on test.
 */
describe('e2e: deployment markers in the log tail, and promote', function () {
  this.timeout(600_000);
  let repo: SampleRepo;
  const commits: string[] = [];

  before(async function () {
    ensureCliBuilt();
    repo = new SampleRepo({ stackYaml: STACK, keepTests: ['config.test.js'] });
    commits.push(repo.head());
    await cliOk(['deploy', 'dev'], repo.dir);
    const url = await stageUrl(repo.dir, 'dev');
    assert.equal((await info(url)).commitHash, commits[0]);
    for (let i = 0; i < 3; i++) assert.equal((await request(`${url}/info`)).status, 200);
    commits.push(repo.commit('second release', { 'README.md': t => `${t}\nSecond.\n` }));
    await cliOk(['deploy', 'dev'], repo.dir);
    assert.equal((await info(url)).commitHash, commits[1]);
    // The access log has whole seconds: leave the second of the switch before asking again.
    await new Promise(resolve => setTimeout(resolve, 1100));
    // No database on this stage: /items answers 503, an error line of the access log.
    for (let i = 0; i < 2; i++) assert.equal((await request(`${url}/items`)).status, 503);
    assert.equal((await request(`${url}/info`)).status, 200);
  });

  after(async function () {
    if (!repo) return;
    const problems = await destroyStages(repo.dir, ['dev', 'test']);
    if (problems.length) console.log(`    cleanup: ${problems.join('\n    cleanup: ')}`);
    repo.remove();
  });

  it('`logs dev` shows commit 1’s lines tagged with commit 1, the deploy and switch markers, commit 2’s lines tagged with commit 2, and the summary', async () => {
    const out = (await cliOk(['logs', 'dev', '--since', '30m'], repo.dir)).stdout.split('\n').filter(Boolean);
    const at = (re: RegExp) => out.findIndex(l => re.test(l));
    const listening1 = at(new RegExp(`^\\S+ ${tag(commits[0])} stdout .*listening on .*commit ${commits[0]}`));
    const deploy2 = at(new RegExp(`── ▶ deploy of ${short(commits[1])} started \\(run \\S+, by .+\\) ──$`));
    const listening2 = at(new RegExp(`^\\S+ ${tag(commits[1])} stdout .*listening on .*commit ${commits[1]}`));
    const switch2 = at(new RegExp(`── ⇄ traffic switched to ${short(commits[1])} \\(run \\S+; was ${short(commits[0])}\\) ──$`));
    const summary = at(new RegExp(`── Σ error lines per minute, before → after the switch to ${short(commits[1])}: `));
    const text = out.join('\n');
    assert.ok(listening1 >= 0 && deploy2 >= 0 && listening2 >= 0 && switch2 >= 0 && summary >= 0, text);
    assert.ok(listening1 < deploy2 && deploy2 < listening2 && listening2 < switch2 && switch2 < summary, `order of ${[listening1, deploy2, listening2, switch2, summary]} in\n${text}`);
    assert.ok(out.slice(0, deploy2).filter(l => !l.includes('──')).every(l => l.includes(` ${tag(commits[0])} `)), `before commit 2's deploy, only commit 1 wrote:\n${text}`);
    assert.ok(out.some((l, i) => i > switch2 && l.includes(` ${tag(commits[0])} `)), `commit 1's shutdown after the switch is still tagged commit 1:\n${text}`);
    assert.ok(out.some((l, i) => i > switch2 && i < summary && new RegExp(`^\\S+ ${tag(commits[1])} stagecraft now serves stage "dev"`).test(l)), `commit 2 serving, tagged commit 2, after the switch:\n${text}`);
  });

  it('`logs dev --access` tags each request with the version serving it, the switch between, and sums up the 5xx after it', async () => {
    const out = (await cliOk(['logs', 'dev', '--access', '--since', '30m'], repo.dir)).stdout.split('\n').filter(Boolean);
    const text = out.join('\n');
    const switch2 = out.findIndex(l => l.includes(`⇄ traffic switched to ${short(commits[1])}`));
    assert.ok(switch2 > 0, text);
    const before = out.slice(0, switch2).filter(l => l.includes('"GET /info'));
    const after = out.slice(switch2).filter(l => /"GET \/(info|items)/.test(l));
    assert.ok(before.length >= 3 && before.every(l => l.startsWith(`[${tag(commits[0])}] `)), text);
    assert.ok(after.length >= 3 && after.every(l => l.startsWith(`[${tag(commits[1])}] `)), text);
    const summary = out.find(l => l.includes(`Σ error lines per minute, before → after the switch to ${short(commits[1])}`));
    assert.match(summary ?? text, /\(\d+ in [\d.]+ min → [1-9]\d* in [\d.]+ min\)/, 'the two 503s count after the switch');
  });

  it('`promote <commit 1> --to test` deploys commit 1’s recorded artifact to test, with no build; a stage it reached is refused', async () => {
    const refused = await cliOk(['promote', short(commits[1]), '--to', 'dev'], repo.dir, 2);
    assert.match(refused.stderr, new RegExp(`Cannot promote ${short(commits[1])} to dev: it already reached dev`));
    assert.match(refused.stderr, /It can go to: test/);
    const result = await cliOk(['promote', commits[0].slice(0, 10), '--to', 'test', '--json'], repo.dir);
    const out = JSON.parse(result.stdout) as { release: { reached: string[]; artifact?: string }; run: { status: string; commit: string; artifact?: { id: string }; steps: { group: string; kind: string }[] } };
    assert.equal(out.run.status, 'succeeded');
    assert.equal(out.run.commit, commits[0]);
    assert.deepEqual(out.release.reached, ['dev']);
    assert.deepEqual(out.run.steps.filter(s => s.group !== 'stage'), [], 'no source or build steps');
    assert.equal(out.run.artifact?.id, out.release.artifact, 'the recorded artifact');
    assert.equal((await info(await stageUrl(repo.dir, 'test'))).commitHash, commits[0]);
    assert.equal((await info(await stageUrl(repo.dir, 'dev'))).commitHash, commits[1], 'dev is untouched');
  });
});
