import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { approve, startRun, type RunEvent } from '../../../src/core/pipeline';
import { writeStageState } from '../../../src/core/stageState';
import { commitsBetween } from '../../../src/git/commitRange';
import { RunOutputFormat } from '../../../src/ui/progress/runOutputFormat';
import { stageConfigDiff } from '../../../src/ui/progress/stageConfigDiff';
import { makeStack, ScriptedExecutor, Temp } from '../core/pipeline/helpers';

const COMMIT = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
const STAMP = /^\d\d:\d\d:\d\d\.\d{3} /;

describe('ui/progress: run output and Show Changes (no vscode)', () => {
  const temp = new Temp();
  after(() => temp.cleanup());

  it('writes a real run as timestamped lines: step boundaries with durations, step logs indented, the outcome and a step table', async () => {
    const stack = makeStack(temp, 'stack: shop\nstages:\n  - name: dev\n');
    const format = new RunOutputFormat();
    const out: string[] = [];
    const exec = new ScriptedExecutor({
      'stage:dev:deploy': async (_step, ctx) => {
        ctx.log('candidate listening on 4101');
        await new Promise(r => setTimeout(r, 30));
        return { status: 'succeeded', summary: 'candidate up' };
      },
    });
    const run = await startRun({ stack, executor: exec, commit: COMMIT, recordStageState: false, onEvent: (e: RunEvent) => out.push(...format.lines(e)) }).done;
    assert.equal(run.status, 'succeeded');

    assert.match(out[0], /^\d\d:\d\d:\d\d\.\d{3} Started run \S+ of shop: commit c0ffee00 → dev$/);
    for (const line of out.filter(Boolean)) assert.match(line, /^(\d\d:\d\d:\d\d\.\d{3} | {4})/, line);
    for (const step of run.steps) {
      assert.equal(out.filter(l => l.endsWith(`▶ ${step.label}`)).length, 1, `one start line for ${step.label}`);
      const finished = out.filter(l => STAMP.test(l) && new RegExp(`[✔⚠–] ${step.label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} (succeeded|warning|skipped) in `).test(l));
      assert.equal(finished.length, 1, `one end line with a duration for ${step.label}: ${out.join('\n')}`);
    }
    const deployAt = out.findIndex(l => l.endsWith('▶ dev: deploy') || /▶ .*deploy/.test(l));
    const logAt = out.findIndex(l => l.endsWith('     candidate listening on 4101'));
    assert.ok(logAt > deployAt && deployAt >= 0, 'the step\'s log line comes under its start');
    assert.match(out[logAt], STAMP);
    assert.ok(!out.some(l => / {5}Run \S+ of stack /.test(l) || / {5}▶ /.test(l)), 'the engine\'s own boundary lines are not repeated');

    const end = out.indexOf('');
    assert.ok(end > 0);
    assert.match(out[end + 1], /Run succeeded in \d+ ms: succeeded: commit c0ffee00/);
    assert.equal(out.length - end - 2, run.steps.length, 'one table row per step');
    assert.match(out.find(l => /^ {4}✔ .*deploy/.test(l)) ?? '', /deploy\s+\d+ ms$/);
  });

  it('says when a stage waits for approval and who decided', async () => {
    const stack = makeStack(temp, 'stack: shop\nstages:\n  - name: prod\n    requireApproval: true\n');
    const format = new RunOutputFormat();
    const out: string[] = [];
    const handle = startRun({ stack, executor: new ScriptedExecutor(), commit: COMMIT, recordStageState: false, onEvent: e => out.push(...format.lines(e)) });
    await new Promise<void>(resolve => handle.events.on('awaiting-approval', () => resolve()));
    await approve(stack.root, 'prod', { by: 'Ada', comment: 'looks right' });
    await handle.done;
    assert.ok(out.some(l => STAMP.test(l) && /\d prod waits for approval until .*: Review… in the notification or the status bar/.test(l)), out.join('\n'));
    assert.ok(out.some(l => STAMP.test(l) && /✔ promotion to prod approved by Ada: looks right$/.test(l)));
  });

  describe('Show Changes', () => {
    let dir: string;
    const commits: string[] = [];
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir } }).trim();
    const YAML = `stack: shop
stages:
  - name: test
    database: postgres
    env:
      LOG_LEVEL: debug
      API_KEY: { secret: test-api-key }
    origins: [http://localhost:5173]
  - name: prod
    database: postgres
    loadBalancer: true
    env:
      API_KEY: { secret: prod-api-key }
      FEATURE_X: "on"
    origins: [https://shop.example.com]
`;

    before(() => {
      const stack = makeStack(temp, YAML);
      dir = stack.root;
      git('init', '-q', '-b', 'main');
      git('config', 'user.name', 'Grace Hopper');
      git('config', 'user.email', 'grace@example.com');
      for (const subject of ['first: the service', 'add /items', 'fix the * in prices']) {
        writeFileSync(join(dir, 'notes.txt'), subject);
        git('add', '.');
        git('commit', '-q', '-m', subject);
        commits.push(git('rev-parse', 'HEAD'));
      }
    });

    it('says when the stage never ran anything, runs something unknown, or runs commits the promoted one lacks', async () => {
      assert.match((await commitsBetween(dir, undefined, commits[1])).note ?? '', /has not run any version yet/);
      assert.equal((await commitsBetween(dir, undefined, commits[1])).commits.length, 2);
      const unknown = await commitsBetween(dir, 'f'.repeat(40), commits[2]);
      assert.match(unknown.note ?? '', /is not in this repository/);
      const back = await commitsBetween(dir, commits[2], commits[1]);
      assert.deepEqual([back.commits.length, back.behind], [0, 1]);
      const limited = await commitsBetween(dir, undefined, commits[2], 2);
      assert.deepEqual([limited.commits.length, limited.truncated], [2, true]);
    });

    it('compares stage settings field by field', () => {
      const stack = makeStack(temp, YAML);
      const [testStage, prod] = stack.stages;
      assert.deepEqual(stageConfigDiff(testStage, testStage), []);
      assert.ok(stageConfigDiff(testStage, prod).includes('env FEATURE_X: (not set) → "on"'));
    });
  });
});
