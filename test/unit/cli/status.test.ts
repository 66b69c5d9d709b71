import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeStageState } from '../../../src/core/stageState';
import { stateDir } from '../../../src/core/workspace';
import { fixture } from '../core/support/repoRoot';
import { TempDirs } from '../core/support/tempDir';
import { ensureCliBuilt, isolatedEnv, lines, runCli } from './support/cli';

describe('cli: stagecraft status', () => {
  const temp = new TempDirs();
  let env: NodeJS.ProcessEnv;
  const commit = '0123456789abcdef0123456789abcdef01234567';

  before(function () {
    this.timeout(180_000);
    ensureCliBuilt();
    env = isolatedEnv(temp.make('stagecraft-home-'));
  });
  after(() => temp.cleanup());

  /**
   * The commented fixture in a git repository on `branch`, with dev recorded as healthy by an
   * earlier deploy. No runtime runs for it here, so the local provider reports it as stopped:
   * the recorded commit stays, the URL goes (nothing answers there).
   */
  async function project(branch?: string): Promise<{ dir: string; file: string }> {
    const dir = temp.make();
    const file = join(dir, 'stagecraft.yaml');
    copyFileSync(fixture('stackfiles', 'commented.yaml'), file);
    if (branch) {
      const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: { ...process.env, ...env }, stdio: 'ignore' });
      git('init', '-q', '-b', branch);
      git('config', 'user.name', 'Jane Doe');
    }
    await writeStageState(dir, 'dev', { kind: 'healthy', commit, url: 'http://127.0.0.1:4100', updatedAt: '2025-01-01T00:00:00.000Z' });
    return { dir, file };
  }

  it('prints the stack, where the branch deploys and each stage in order', async () => {
    const { dir, file } = await project('develop');
    const r = await runCli(['status'], dir, env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout).slice(0, 6), [
      `Stack shop (${file})`,
      'Service: Dockerfile, port 8080, health /health',
      'Branch develop deploys to: dev (GitFlow: develop → dev)',
      '  1. dev   local          stopped                            01234567',
      '  2. test  local          not deployed  postgres',
      '  3. prod  aws eu-west-1  unknown       approval, protected',
    ]);
    // No AWS credentials here: the AWS stage's status is unknown, and the next line says why.
    assert.match(lines(r.stdout)[6] ?? '', /^ {7}↳ could not read the status: .*credentials/);
  });

  it('a feature branch deploys to the developer\'s own stage', async () => {
    const { dir } = await project('feature/checkout');
    const r = await runCli(['status'], dir, env);
    assert.equal(lines(r.stdout)[2], "Branch feature/checkout deploys to: jane-doe (GitFlow: feature/* → the developer's own stage)");
  });

  it('--json gives every stage as data', async () => {
    const { dir, file } = await project('main');
    const r = await runCli(['status', '--json'], dir, env);
    assert.equal(r.code, 0, r.stderr);
    const parsed = JSON.parse(r.stdout) as { stages: { detail?: unknown }[]; state: { dir: string; bytes: number; parts: Record<string, number> } };
    // `detail` says why (what a person reads after the status); the AWS one depends on this machine's credentials.
    assert.equal(parsed.stages[0].detail, 'not running on this machine');
    for (const stage of parsed.stages) delete stage.detail;
    assert.equal(parsed.state.dir, stateDir(dir), 'the state folder, outside the repository');
    assert.ok(parsed.state.bytes > 0 && parsed.state.parts.stages > 0, 'the recorded stage state counts');
    assert.deepEqual(parsed, {
      stack: 'shop',
      file,
      branch: 'main',
      branchStage: 'prod',
      branchStages: ['prod'],
      branchReason: 'GitFlow: main → prod',
      stages: [
        { name: 'dev', provider: 'local', region: null, profile: null, database: 'none', requireApproval: false, loadBalancer: null, hosts: null, protected: false, status: 'stopped', commit, url: null, personal: null },
        { name: 'test', provider: 'local', region: null, profile: null, database: 'postgres', requireApproval: false, loadBalancer: null, hosts: null, protected: false, status: 'not-deployed', commit: null, url: null, personal: null },
        { name: 'prod', provider: 'aws', region: 'eu-west-1', profile: null, database: 'none', requireApproval: true, loadBalancer: null, hosts: null, protected: true, status: 'unknown', commit: null, url: null, personal: null },
      ],
      state: parsed.state,
    });
  });

  it('outside a git repository: no branch line, branch null', async () => {
    const { dir } = await project();
    const text = await runCli(['status'], dir, env);
    assert.equal(text.code, 0, text.stderr);
    // Stack, service, three stages, why the AWS stage's status is unknown, the state folder: no branch line.
    assert.equal(lines(text.stdout).length, 7);
    assert.match(lines(text.stdout)[6], new RegExp(`^State: ${stateDir(dir).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, \\d+ B \\(stages \\d+ B\\) \\(\`stagecraft gc\` removes what is no longer kept\\)$`));
    assert.ok(!text.stdout.includes('Branch'));
    const json = JSON.parse((await runCli(['status', '--json', '--dir', dir], temp.make(), env)).stdout) as { branch: unknown; branchStage: unknown };
    assert.equal(json.branch, null);
    assert.equal(json.branchStage, null);
  });

  it('no stagecraft.yaml: exit 2', async () => {
    const r = await runCli(['status'], temp.make(), env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^stagecraft status: No stagecraft\.yaml in /);
  });
});
