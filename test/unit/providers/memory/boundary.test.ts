import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../../../src/cli/main';
import { loadStackFile } from '../../../../src/core/config/load';
import { describeStack } from '../../../../src/core/describe';
import { findPendingApproval } from '../../../../src/core/pipeline';
import { formatProblem } from '../../../../src/core/problems';
import { Providers } from '../../../../src/core/providers';
import { git, initRepo, removeTempDirs } from '../../scan/helpers';
import { memoryModule, type MemoryProvider } from './module';

/**
 * The provider boundary, proven with a provider that exists only in this folder: registered in a
 * Providers of the test's own, it is validated, released through, approved, shown and destroyed
 * by the same CLI entry and the same tree data as local and aws, with no edit anywhere else.
 */
const STACK = `stack: shelfy
branchModel: trunk
stages:
  - name: dev
    shelf: a
  - name: prod
    provider: memory
    requireApproval: true
`;

describe('a third provider, from a test folder only', function () {
  this.timeout(120_000);
  after(() => removeTempDirs());

  function repo(text = STACK): string {
    const dir = initRepo('stagecraft-memory-');
    writeFileSync(path.join(dir, 'stagecraft.yaml'), text);
    writeFileSync(path.join(dir, '.gitignore'), '.stagecraft/\n');
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'a stack on shelves');
    return dir;
  }

  async function cli(providers: Providers, cwd: string, ...argv: string[]): Promise<{ code: number; out: string }> {
    const lines: string[] = [];
    const code = await runCli(argv, { cwd, out: l => lines.push(l), err: l => lines.push(l), providers });
    return { code, out: lines.join('\n') };
  }

  it('drives validate, a full run with an approval, status, its own verb and destroy through the CLI entry', async () => {
    const dir = repo();
    const providers = new Providers([memoryModule()]);
    assert.equal((await cli(providers, dir, 'validate')).code, 0, 'memory is the only, so the default, provider');

    const run = cli(providers, dir, 'pipeline', 'run');
    let waiting = await findPendingApproval(dir, 'prod');
    for (let i = 0; !waiting && i < 600; i++) {
      await new Promise(r => setTimeout(r, 100));
      waiting = await findPendingApproval(dir, 'prod');
    }
    assert.ok(waiting, 'the run stops at the gate before prod');

    const during = await cli(providers, dir, 'status');
    assert.equal(during.code, 0, during.out);
    assert.match(during.out, /1\. dev\s+memory a\s+healthy/);
    assert.match(during.out, /2\. prod\s+memory\s+awaiting approval/, 'core shows the waiting run for any provider');

    const approved = await cli(providers, dir, 'approve', 'prod', '-m', 'shelves checked');
    assert.equal(approved.code, 0, approved.out);
    const done = await run;
    assert.equal(done.code, 0, done.out);
    assert.match(done.out, /source/);
    assert.match(done.out, /secret scan|secret-scan/i, 'core ran the source checks for this provider too');

    const after = await cli(providers, dir, 'status', '--json');
    const stages = (JSON.parse(after.out) as { stages: Array<{ name: string; provider: string; shelf: string | null; status: string }> }).stages;
    assert.deepEqual(stages.map(s => [s.name, s.provider, s.shelf, s.status]), [
      ['dev', 'memory', 'a', 'healthy'],
      ['prod', 'memory', null, 'healthy'],
    ]);
    assert.equal((await cli(providers, dir, 'memory', 'count')).out, '2 stage(s) in memory');

    const refused = await cli(providers, dir, 'destroy', 'prod');
    assert.equal(refused.code, 2, 'prod is protected by default');
    assert.equal((await cli(providers, dir, 'destroy', 'prod', '--force')).code, 0);
    assert.match((await cli(providers, dir, 'status')).out, /2\. prod\s+memory\s+not deployed/);
    const memory = (await providers.get('memory', 'test')) as MemoryProvider;
    assert.deepEqual([...memory.stages.keys()], [`${dir}|dev`]);
  });

  it('feeds the tree the same data: statuses from the provider, its words after the provider name', async () => {
    const dir = repo();
    const providers = new Providers([memoryModule()]);
    const stack = (await loadStackFile(dir, providers.stackSchema()))!.stack!;
    const memory = (await providers.get('memory', 'test')) as MemoryProvider;
    await memory.deploy(stack, stack.stages[0], { id: 'f00d', commit: 'c0ffee' });
    const summary = await describeStack(stack, providers, { branch: 'main', user: 'jane' });
    assert.deepEqual(
      summary.stages.map(s => [s.stage.name, providers.describeStage(s.stage), s.status.kind, s.status.url]),
      [
        ['dev', 'memory a', 'healthy', 'memory://a/dev'],
        ['prod', 'memory', 'not-deployed', undefined],
      ],
    );
  });

  it('its stage keys and name rule exist only while it is registered; unregistering is a disposable', async () => {
    const providers = new Providers();
    const registration = providers.register(memoryModule());
    const long = 'x'.repeat(21);
    const text = `stack: shelfy\nstages:\n  - name: ${long}\n    shelf: b\n`;
    const dir = repo(text);
    const loaded = await loadStackFile(dir, providers.stackSchema());
    assert.deepEqual(loaded!.problems.map(formatProblem), [`${path.join(dir, 'stagecraft.yaml')}:3:11: stages[0].name: "${long}" is longer than the 20 characters memory shelves allow`]);
    registration.dispose();
    assert.deepEqual(providers.names(), []);
    const without = await loadStackFile(dir, providers.stackSchema());
    assert.ok(
      without!.problems.some(p => p.line === 4 && p.column === 5 && p.message.startsWith('unknown key "shelf"')),
      without!.problems.map(formatProblem).join('\n'),
    );
    const unknown = await cli(providers, dir, 'status');
    assert.equal(unknown.code, 2);
  });
});
