import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { listRuns } from '../../../src/core/pipeline';
import { Providers } from '../../../src/core/providers';
import { memoryModule } from '../providers/memory/module';
import { git, initRepo, removeTempDirs } from '../scan/helpers';

/**
 * `stagecraft deploy` takes over the checks an earlier run recorded for the same commit and
 * artifact (through the same core as Deploy Stage); `stagecraft pipeline run` checks again. The
 * stages are on the test-only memory provider, so a run costs the source checks only.
 */
describe('stagecraft deploy reuses the recorded checks of the artifact', function () {
  this.timeout(120_000);
  after(() => removeTempDirs());

  async function cli(providers: Providers, cwd: string, ...argv: string[]): Promise<{ code: number; out: string }> {
    const lines: string[] = [];
    const code = await runCli(argv, { cwd, out: l => lines.push(l), err: l => lines.push(l), providers });
    return { code, out: lines.join('\n') };
  }

  it('a second deploy of the same commit says "checks reused from run X" and does not run them; pipeline run does', async () => {
    const dir = initRepo('stagecraft-reuse-');
    writeFileSync(path.join(dir, 'stagecraft.yaml'), 'stack: shelfy\nbranchModel: trunk\nstages:\n  - name: dev\n  - name: test\n');
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'shelfy', version: '1.0.0', scripts: { test: 'node -e "console.log(\'TESTS RAN\')"' } }));
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'a stack on shelves');
    const providers = new Providers([memoryModule()]);

    const first = await cli(providers, dir, 'deploy', 'dev', '--verbose');
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, /TESTS RAN/);
    const [firstRun] = await listRuns(dir);

    const second = await cli(providers, dir, 'deploy', 'test', '--verbose');
    assert.equal(second.code, 0, second.out);
    assert.doesNotMatch(second.out, /TESTS RAN/, 'the unit tests did not run again');
    assert.match(second.out, new RegExp(`Checks reused from run ${firstRun.id}`));
    assert.match(second.out, new RegExp(`Unit tests \\([^)]*\\): checks reused from run ${firstRun.id}: unit tests passed`));
    assert.match(second.out, new RegExp(`Secret scan \\([^)]*\\): checks reused from run ${firstRun.id}: no secrets`));

    const full = await cli(providers, dir, 'pipeline', 'run', '--verbose');
    assert.equal(full.code, 0, full.out);
    assert.match(full.out, /TESTS RAN/, 'Run Pipeline checks again');
    assert.doesNotMatch(full.out, /checks reused/);
  });
});
