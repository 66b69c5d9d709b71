import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { RotatingFile } from '../../../src/local/logs/rotatingFile';
import { localLogFile } from '../../../src/local/logs/tail';
import { combinedLogLine } from '../../../src/local/proxy/accessLog';
import { CLI, ensureCliBuilt, isolatedEnv, lines, runCli } from '../cli/support/cli';
import { TempDirs } from '../core/support/tempDir';
import { builtinSchema } from '../support/providers';
import { parseStackFile } from '../../../src/core/config/load';
import { listRuns, runPipeline } from '../../../src/core/pipeline';
import { ScriptedExecutor } from '../core/pipeline/helpers';

const STACK = `stack: shop-api
service:
  dockerfile: Dockerfile
  port: 3000
  healthCheck: /health
stages:
  - name: dev
    provider: local
`;

const appLine = (time: Date, text: string) => `${time.toISOString()} 1a2b3c4d stdout ${text}`;


/** A printed line without its time (and its date, which a line from before midnight carries). */
const withoutTime = (line: string) => line.replace(/^(\d{4}-\d\d-\d\d )?\S+ /, '');
describe('cli: stagecraft logs', function () {
  this.timeout(60_000);
  const temp = new TempDirs();
  let env: NodeJS.ProcessEnv;
  let dir: string;

  before(function () {
    this.timeout(180_000);
    ensureCliBuilt();
    env = isolatedEnv(temp.make('stagecraft-home-'));
  });
  beforeEach(async () => {
    dir = temp.make('stagecraft-logs-cli-');
    await fs.writeFile(path.join(dir, 'stagecraft.yaml'), STACK);
    await fs.writeFile(path.join(dir, 'Dockerfile'), 'FROM node:20\nCMD ["node", "server.js"]\n');
  });
  after(() => temp.cleanup());

  /** Skips (saying why) while the local provider's logs() is not yet delegated to tailLocalLog. */
  function skipUntilWired(ctx: Mocha.Context, stderr: string): void {
    if (/not available in this version yet/.test(stderr)) ctx.skip();
  }

  it('refuses bad input with exit 2 and the form to use', async () => {
    const noUnit = await runCli(['logs', 'dev', '--since', '10'], dir, env);
    assert.equal(noUnit.code, 2);
    assert.match(noUnit.stderr, /--since "10" has no unit/);
    assert.match(noUnit.stderr, /10m for 10 minutes/);
    const unknown = await runCli(['logs', 'qa'], dir, env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Stack shop-api has no stage "qa"/);
    assert.match(unknown.stderr, /Its stages: dev/);
    const none = await runCli(['logs'], dir, env);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Usage: stagecraft logs STAGE/);
  });

  it('prints the last minutes of the application log, filtered, without colours when not a terminal', async function () {
    const file = localLogFile(dir, 'dev', 'app');
    await fs.mkdir(path.dirname(file), { recursive: true });
    const ago = (m: number) => new Date(Date.now() - m * 60_000);
    await fs.writeFile(file, [appLine(ago(30), 'ERROR too old'), appLine(ago(4), 'listening on 3000'), appLine(ago(2), 'ERROR db timeout')].join('\n') + '\n');
    const r = await runCli(['logs', 'dev', '--since', '10m'], dir, env);
    skipUntilWired(this, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout).map(l => withoutTime(l)), ['1a2b3c4d stdout listening on 3000', '1a2b3c4d stdout ERROR db timeout']);
    assert.ok(!r.stdout.includes('\x1b['), 'no colour codes in a pipe');
    const filtered = await runCli(['logs', 'dev', '--filter', 'ERROR', '--since', '1h'], dir, env);
    assert.deepEqual(lines(filtered.stdout).map(l => withoutTime(l)), ['1a2b3c4d stdout ERROR too old', '1a2b3c4d stdout ERROR db timeout']);
    const coloured = await runCli(['logs', 'dev', '--filter', 'ERROR'], dir, { ...env, NO_COLOR: '', FORCE_COLOR: '1' });
    assert.ok(coloured.stdout.includes('\x1b[31mERROR db timeout\x1b[0m'), JSON.stringify(coloured.stdout));
  });

  it('prints the access log with --access', async function () {
    const file = localLogFile(dir, 'dev', 'access');
    await fs.mkdir(path.dirname(file), { recursive: true });
    const line = combinedLogLine({ remoteAddress: '127.0.0.1', time: new Date(), method: 'GET', url: '/items', httpVersion: '1.1', status: 200, bytes: 2, referer: undefined, userAgent: 'curl/8' });
    await fs.writeFile(file, line + '\n');
    const r = await runCli(['logs', 'dev', '--access'], dir, env);
    skipUntilWired(this, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), [line]);
  });

  it('puts the deploys, approvals and switches of the run records between the lines, and sums up the errors after a switch', async function () {
    const yaml = STACK.replace('    provider: local\n', '    provider: local\n    requireApproval: true\n');
    await fs.writeFile(path.join(dir, 'stagecraft.yaml'), yaml);
    const stack = parseStackFile(yaml, path.join(dir, 'stagecraft.yaml'), builtinSchema()).stack!;
    const [c1, c2] = ['1a2b3c4d'.repeat(5), '5e6f7a8b'.repeat(5)];
    for (const commit of [c1, c2]) {
      const run = await runPipeline({ stack, executor: new ScriptedExecutor(), commit, autoApprove: { by: 'Ann' }, timing: { heartbeatMs: 50 } });
      assert.equal(run.status, 'succeeded', run.outcome);
    }
    const second = (await listRuns(dir)).find(r => r.commit === c2)!;
    const switchAt = Date.parse(second.steps.find(s => s.kind === 'promote')!.startedAt!);
    const at = (ms: number) => new Date(switchAt + ms);
    const v1 = c1.slice(0, 12);
    const v2 = c2.slice(0, 12);
    const file = localLogFile(dir, 'dev', 'app');
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(
      file,
      [`${at(-60_000).toISOString()} ${v1} stdout all good`, `${at(1).toISOString()} ${v1} stdout draining`, `${at(30_000).toISOString()} ${v2} stderr ERROR db timeout`].join('\n') + '\n',
    );
    const r = await runCli(['logs', 'dev', '--since', '10m'], dir, env);
    skipUntilWired(this, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    const out = lines(r.stdout).map(l => l.replace(/^[\d:.-]+ (?:[\d:.]+ )?/, ''));
    const events = out.filter(l => l.startsWith('──') || / (stdout|stderr) /.test(l));
    const first = (await listRuns(dir)).find(r => r.commit === c1)!;
    assert.deepEqual(events, [
      `${v1} stdout all good`,
      '── ⚑ 1a2b3c4d approved by Ann (auto-approved) ──',
      `── ▶ deploy of 1a2b3c4d started (run ${first.id}) ──`,
      `── ⇄ traffic switched to 1a2b3c4d (run ${first.id}) ──`,
      '── ⚑ 5e6f7a8b approved by Ann (auto-approved) ──',
      `── ▶ deploy of 5e6f7a8b started (run ${second.id}) ──`,
      events[6],
      `── ⇄ traffic switched to 5e6f7a8b (run ${second.id}; was 1a2b3c4d) ──`,
      `${v1} stdout draining`,
      `${v2} stderr ERROR db timeout`,
      events[10],
    ]);
    assert.match(events[6], /^── Σ error lines per minute, before → after the switch to 1a2b3c4d: 0\.0 → n\/a \(0 in 5\.0 min → 0 in 0\.0 min\) ──$/, 'the next switch closes its window');
    assert.match(events[10], /^── Σ error lines per minute, before → after the switch to 5e6f7a8b: n\/a → 2\.0 \(0 in 0\.0 min → 1 in 0\.5 min\) ──$/);
    const none = await runCli(['logs', 'dev', '--filter', 'nothing-matches'], dir, env);
    assert.match(none.stderr, /No lines in the application log of dev/, 'markers are not lines of the log');
  });

  it('following, shows a deploy recorded during the tail as it happens, and the summary when stopped', async function () {
    const stack = parseStackFile(STACK, path.join(dir, 'stagecraft.yaml'), builtinSchema()).stack!;
    const writer = new RotatingFile(localLogFile(dir, 'dev', 'app'), { maxBytes: 100_000 });
    writer.write(appLine(new Date(), 'before'));
    const child = spawn(process.execPath, [CLI, 'logs', 'dev', '--follow'], { cwd: dir, env: { ...process.env, ...env } });
    let stdout = '';
    child.stdout.on('data', d => (stdout += d));
    const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)));
    const until = async (what: string, test: () => boolean) => {
      const deadline = Date.now() + 20_000;
      while (!test()) {
        if (Date.now() > deadline) throw new Error(`${what} never came; got:\n${stdout}`);
        await new Promise(r => setTimeout(r, 50));
      }
    };
    try {
      await until('the first line', () => stdout.includes('before'));
      const run = await runPipeline({ stack, executor: new ScriptedExecutor(), commit: '9'.repeat(40), timing: { heartbeatMs: 50 } });
      assert.equal(run.status, 'succeeded', run.outcome);
      await until('the switch marker', () => stdout.includes('⇄ traffic switched to 99999999'));
      writer.write(appLine(new Date(), 'ERROR after the switch'));
      await until('the line after it', () => stdout.includes('ERROR after the switch'));
      child.kill('SIGINT');
      assert.equal(await exited, 0);
      const out = lines(stdout).map(l => l.replace(/^[\d:.-]+ /, ''));
      assert.deepEqual(out.slice(0, 3), ['1a2b3c4d stdout before', `── ▶ deploy of 99999999 started (run ${run.id}) ──`, `── ⇄ traffic switched to 99999999 (run ${run.id}) ──`]);
      assert.equal(out[3], '1a2b3c4d stdout ERROR after the switch');
      assert.match(out[4], /^── Σ error lines per minute, before → after the switch to 99999999: (?:[\d.]+|n\/a) → (?:[\d.]+|n\/a) \(0 in [\d.]+ min → 1 in [\d.]+ min\) ──$/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await writer.close();
    }
  });

  it('follows with --follow until interrupted, then exits 0', async function () {
    const writer = new RotatingFile(localLogFile(dir, 'dev', 'app'), { maxBytes: 300 });
    writer.write(appLine(new Date(), 'before'));
    const child = spawn(process.execPath, [CLI, 'logs', 'dev', '--follow'], { cwd: dir, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)));
    try {
      const deadline = Date.now() + 15_000;
      while (!stdout.includes('before')) {
        if (Date.now() > deadline) throw new Error(`no output; stderr: ${stderr}`);
        await new Promise(r => setTimeout(r, 50));
      }
      for (let i = 0; i < 20; i++) writer.write(appLine(new Date(), `after ${i}`)); // rotates a few times
      while (!stdout.includes('after 19')) {
        if (Date.now() > deadline) throw new Error(`lines missing; got:\n${stdout}`);
        await new Promise(r => setTimeout(r, 50));
      }
      child.kill('SIGINT');
      assert.equal(await exited, 0, stderr);
      assert.match(stderr, /Following the application log of dev from 10m ago \(Ctrl\+C to stop\)/);
      assert.deepEqual(lines(stdout).map(l => l.split(' ').slice(3).join(' ')), ['before', ...Array.from({ length: 20 }, (_, i) => `after ${i}`)]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await writer.close();
    }
  });
});
