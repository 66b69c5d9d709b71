import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../core/support/repoRoot';
import { TempDirs } from '../core/support/tempDir';
import { ensureCliBuilt, isolatedEnv, lines, runCli } from './support/cli';

describe('cli: stagecraft validate', () => {
  const temp = new TempDirs();
  let env: NodeJS.ProcessEnv;

  before(function () {
    this.timeout(180_000);
    ensureCliBuilt();
    env = isolatedEnv(temp.make('stagecraft-home-'));
  });
  after(() => temp.cleanup());

  function folderWith(name: string): { dir: string; file: string } {
    const dir = temp.make();
    const file = join(dir, 'stagecraft.yaml');
    copyFileSync(fixture('stackfiles', name), file);
    return { dir, file };
  }

  it('a valid file: exit 0 and one line saying so', async () => {
    const { dir, file } = folderWith('valid.yaml');
    const r = await runCli(['validate'], dir, env);
    assert.equal(r.code, 0);
    // The fixture's prod lacks what staging has: drift warnings (see the drift test below), then the verdict.
    const out = lines(r.stdout);
    // The AWS module's own warnings (staging's `loadBalancer:`, ignored now) follow the verdict.
    const verdict = out.indexOf(`${file}: stack "shop" with 4 stage(s) is valid.`);
    assert.ok(verdict > 0, r.stdout);
    assert.ok(out.slice(0, verdict).every(l => l.startsWith(`${file}:28:11: stages[2]: `) && l.endsWith('(warning)')), r.stdout);
    assert.deepEqual(out.slice(verdict + 1).map(l => l.replace(/: ignored: .*/, '')), [`${file}:18:5: stages[1].loadBalancer`], r.stdout);
    assert.equal(r.stderr, '');
  });

  it('reports what process mode skips, emulates or refuses in the Dockerfile, with line, column and fix; --json too', async () => {
    const { dir } = folderWith('valid.yaml');
    mkdirSync(join(dir, 'docker'));
    writeFileSync(
      join(dir, 'docker', 'Dockerfile'),
      ['FROM node:20 AS build', 'RUN apt-get update && apt-get install -y git', 'FROM node:20-slim', 'USER node', 'COPY --from=build /app /app', 'COPY --from=nginx:1 /etc/nginx /x', 'CMD ["node", "/app/server.js"]'].join('\n'),
    );
    const r = await runCli(['validate'], dir, env);
    assert.equal(r.code, 2);
    assert.deepEqual(lines(r.stderr), [
      'docker/Dockerfile:6:6: refuse COPY: COPY --from=nginx:1 copies from an image; process mode has no images, only the stages of this Dockerfile. Fix: Copy from a stage of this Dockerfile (FROM … AS name), or install what you need in a RUN, or point service.dockerfile at a Dockerfile written for process mode, or deploy this service to an aws stage (real containers).',
      'docker/Dockerfile: process mode (local stages) cannot run it: 1 refused, 2 skipped, 2 emulated.',
    ]);
    const out = lines(r.stdout);
    assert.ok(out.includes('docker/Dockerfile:2:1: skip RUN: installs OS packages (apt-get: git); process mode never changes the host. The build says which are present here. Fix: Install what the app needs at run time on this machine.'), r.stdout);
    assert.ok(out.some(l => l.startsWith('docker/Dockerfile:4:1: skip USER: USER is ignored in process mode')), r.stdout);
    assert.ok(out.some(l => l.startsWith('docker/Dockerfile:1:6: emulate FROM: no image: `node` of this machine stands in for node:20')), r.stdout);

    const json = await runCli(['validate', '--json'], dir, env);
    assert.equal(json.code, 2);
    const parsed = JSON.parse(json.stdout);
    assert.equal(parsed.valid, false);
    assert.equal(parsed.processMode.runnable, false);
    assert.deepEqual(parsed.processMode.findings.map((f: { line: number; column: number; action: string }) => [f.line, f.column, f.action]), [
      [1, 6, 'emulate'],
      [2, 1, 'skip'],
      [3, 6, 'emulate'],
      [4, 1, 'skip'],
      [6, 6, 'refuse'],
    ]);
  });

  it('an invalid file: exit 2, one `file:line:col: field: message` line per problem', async () => {
    const { dir, file } = folderWith('invalid.yaml');
    const r = await runCli(['validate'], dir, env);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.deepEqual(lines(r.stderr), [
      `${file}:4:5: stages[0].provder: unknown key "provder"; did you mean "provider"?`,
      `${file}:6:15: stages[1].provider: "gcp" is not allowed: expected one of "local", "aws"`,
      `${file}:8:22: stages[2].requireApproval: expected true or false, got a string`,
      `${file}: 3 problem(s).`,
    ]);
  });

  it('warnings go to stdout and do not fail', async () => {
    const dir = temp.make();
    const file = join(dir, 'stagecraft.yaml');
    writeFileSync(file, 'stack: shop\nstages:\n  - name: dev\n    region: eu-west-1\n');
    const r = await runCli(['validate', '--dir', dir], temp.make(), env);
    assert.equal(r.code, 0);
    assert.deepEqual(lines(r.stdout), [
      `${file}:4:5: stages[0].region: only AWS stages use "region"; this stage's provider is "local" (warning)`,
      `${file}: stack "shop" with 1 stage(s) is valid.`,
    ]);
  });

  it('--json: the problems as data, exit 2 when invalid and 0 when valid', async () => {
    const invalid = folderWith('invalid.yaml');
    const r = await runCli(['validate', '--json'], invalid.dir, env);
    assert.equal(r.code, 2);
    const report = JSON.parse(r.stdout) as { file: string; valid: boolean; problems: Array<Record<string, unknown>> };
    assert.equal(report.file, invalid.file);
    assert.equal(report.valid, false);
    assert.deepEqual(report.problems[0], {
      file: invalid.file,
      line: 4,
      column: 5,
      endLine: 4,
      endColumn: 12,
      field: 'stages[0].provder',
      message: 'unknown key "provder"; did you mean "provider"?',
      severity: 'error',
    });
    assert.deepEqual(
      report.problems.map(p => [p.line, p.column, p.field]),
      [
        [4, 5, 'stages[0].provder'],
        [6, 15, 'stages[1].provider'],
        [8, 22, 'stages[2].requireApproval'],
      ],
    );
    const valid = folderWith('valid.yaml');
    const ok = await runCli(['validate', '--json'], valid.dir, env);
    assert.equal(ok.code, 0);
    const okReport = JSON.parse(ok.stdout) as { file: string; valid: boolean; problems: Array<Record<string, unknown>> };
    assert.equal(okReport.valid, true);
    assert.deepEqual([...new Set(okReport.problems.map(p => `${p.severity} ${p.code}`))], ['warning stage-drift']);
  });

  it('drift across stages: what test has and prod lacks is a warning at prod\'s line, and the run still passes', async () => {
    const dir = temp.make();
    const file = join(dir, 'stagecraft.yaml');
    writeFileSync(
      file,
      [
        'stack: shop',
        'stages:',
        '  - name: test',
        '    database: postgres',
        '    env:',
        '      GREETING: hi',
        '      API_KEY: { secret: test-api-key }',
        '    origins: [http://localhost:5173]',
        '  - name: prod      # a comment',
        '    database: postgres',
        '    env:',
        '      API_KEY: { secret: prod-api-key }',
        '',
      ].join('\n'),
    );
    const r = await runCli(['validate'], dir, env);
    assert.equal(r.code, 0);
    assert.deepEqual(lines(r.stdout), [
      `${file}:9:11: stages[1]: the variable GREETING that test (the stage before it) has is missing from prod: copy it from test or set it for prod (warning)`,
      `${file}:9:11: stages[1]: the origin http://localhost:5173 that test (the stage before it) has is missing from prod: copy it from test or set it for prod (warning)`,
      `${file}: stack "shop" with 2 stage(s) is valid.`,
    ]);
  });

  it('a YAML syntax error: exit 2 with its position', async () => {
    const dir = temp.make();
    const file = join(dir, 'stagecraft.yaml');
    writeFileSync(file, 'stack: shop\nstack: again\n');
    const r = await runCli(['validate'], dir, env);
    assert.equal(r.code, 2);
    assert.equal(lines(r.stderr)[0], `${file}:2:1: stack: duplicate key "stack": a key may appear only once in a mapping`);
  });

  it('no stagecraft.yaml: exit 2 saying how to create one', async () => {
    const dir = temp.make();
    const r = await runCli(['validate'], dir, env);
    assert.equal(r.code, 2);
    assert.deepEqual(lines(r.stderr), [`stagecraft validate: No stagecraft.yaml in ${dir}.`, 'Run `stagecraft init` to create one.']);
  });
});
