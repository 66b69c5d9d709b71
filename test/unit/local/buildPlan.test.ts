import * as assert from 'node:assert/strict';
import { DockerIgnore } from '../../../src/local/artifact/dockerignore';
import { compilePattern } from '../../../src/local/artifact/patterns';
import { planBuild, type CopyStep, type RunStep } from '../../../src/local/artifact/plan';
import { parseImage } from '../../../src/local/artifact/runtimes';
import { substitute } from '../../../src/local/artifact/substitute';

const plan = (text: string) => planBuild(text, 'Dockerfile', { PATH: '/usr/bin:/bin' });

describe('local/build Dockerfile plan', () => {
  it('substitutes ARG and ENV the way Docker does', () => {
    const vars = new Map([['A', 'one'], ['EMPTY', '']]);
    assert.equal(substitute('$A ${A} ${B:-dflt} ${EMPTY:-dflt} ${A:+alt} ${B:+alt} \\$A $B.', vars), 'one one dflt dflt alt  $A .');
  });

  it('uses ARG defaults before and after FROM, and ENV in later instructions', () => {
    const p = plan(
      [
        'ARG BASE=node',
        'ARG VERSION=20',
        'FROM ${BASE}:${VERSION}-alpine AS app',
        'ARG VERSION',
        'ARG APP_DIR=/srv/app',
        'WORKDIR $APP_DIR',
        'ENV A=1 B="two words" PATH=/opt/bin:$PATH',
        'ENV A=2 C=${A}',
        'RUN echo $A',
        'EXPOSE 8080/tcp 9090',
      ].join('\n'),
    );
    assert.equal(p.image, 'node:20-alpine');
    assert.equal(p.fromLine, 3);
    assert.equal(p.workdir, '/srv/app');
    // Within one ENV, a reference sees the value from before the instruction (Docker's rule).
    assert.deepEqual(p.env, { A: '2', B: 'two words', PATH: '/opt/bin:/usr/bin:/bin', C: '1' });
    const run = p.steps.find(s => s.kind === 'run') as RunStep;
    assert.equal(run.shell, 'echo $A', 'RUN is left to its shell');
    assert.deepEqual(run.env, { VERSION: '20', APP_DIR: '/srv/app', A: '2', B: 'two words', PATH: '/opt/bin:/usr/bin:/bin', C: '1' });
    assert.equal(p.exposedPort, 8080);
  });

  it('chains WORKDIR and resolves COPY destinations against it', () => {
    const p = plan('FROM node:20\nWORKDIR /app\nWORKDIR api\nCOPY a.js .\nCOPY b.js lib/\nCOPY c.js main.js\nCOPY ["d e.js", "f.js", "/opt/"]\nCOPY --chmod=755 --chown=app:app run.sh /usr/local/bin/run\n');
    const copies = p.steps.filter(s => s.kind === 'copy') as CopyStep[];
    assert.equal(p.workdir, '/app/api');
    assert.deepEqual(
      copies.map(c => [c.sources, c.dest, c.destIsDir, c.chmod]),
      [
        [['a.js'], '/app/api', true, undefined],
        [['b.js'], '/app/api/lib', true, undefined],
        [['c.js'], '/app/api/main.js', false, undefined],
        [['d e.js', 'f.js'], '/opt', true, undefined],
        [['run.sh'], '/usr/local/bin/run', false, 0o755],
      ],
    );
    assert.ok(p.notes.some(n => /Dockerfile:8: --chown is ignored/.test(n)));
  });

  it('combines ENTRYPOINT and CMD as Docker does', () => {
    assert.deepEqual(plan('FROM node:20\nCMD ["node", "a.js"]').command, ['node', 'a.js']);
    assert.deepEqual(plan('FROM node:20\nCMD node a.js').command, ['/bin/sh', '-c', 'node a.js']);
    assert.deepEqual(plan('FROM node:20\nCMD ["a.js"]\nENTRYPOINT ["node"]').command, ['node', 'a.js']);
    assert.deepEqual(plan('FROM node:20\nENTRYPOINT node a.js\nCMD ["ignored"]').command, ['/bin/sh', '-c', 'node a.js']);
    assert.deepEqual(plan('FROM node:20\nCMD ["first"]\nCMD ["node", "last.js"]').command, ['node', 'last.js']);
    assert.deepEqual(plan('FROM node:20').command, []);
  });

  it('rejects what process mode cannot do, naming the line', () => {
    const cases: Array<[string, RegExp]> = [
      ['RUN echo hi\nFROM node:20', /^Dockerfile:1: RUN before FROM/],
      ['FROM node:20 AS build\nFROM node:20', /^Dockerfile:2: a second FROM \(the first is at line 1\)/],
      ['FROM node:20\nRUN --mount=type=cache,target=/root/.npm npm ci', /^Dockerfile:2: RUN --mount=type=cache,target=\/root\/.npm is not supported/],
      ['FROM node:20\nRUN <<EOF\necho hi\nEOF', /^Dockerfile:2: RUN with a heredoc is not supported/],
      ['FROM node:20\nADD https://example.com/a.tgz /a', /^Dockerfile:2: ADD https:\/\/example.com\/a.tgz: URLs are not supported/],
      ['FROM node:20\nSHELL ["/bin/bash", "-c"]', /^Dockerfile:2: SHELL is not supported in process mode/],
      ['FROM node:20\nCOPY onlyone', /^Dockerfile:2: COPY needs at least one source and a destination/],
      ['FROM node:20\nEXPOSE http', /^Dockerfile:2: cannot read "EXPOSE http"/],
      ['# nothing\n', /^Dockerfile: no FROM instruction/],
    ];
    for (const [text, expected] of cases) assert.throws(() => plan(text), (err: Error) => expected.test(err.message), text);
  });

  it('ignores USER, LABEL and HEALTHCHECK with a note', () => {
    const p = plan('FROM node:20\nUSER node\nLABEL a=b\nHEALTHCHECK --interval=5s CMD curl -f http://localhost/ || exit 1\n');
    assert.deepEqual(
      p.notes.map(n => n.split(':').slice(0, 4).join(':')),
      ['note: Dockerfile:2: USER is ignored in process mode', 'note: Dockerfile:3: LABEL is ignored in process mode', 'note: Dockerfile:4: HEALTHCHECK is ignored in process mode'],
    );
    assert.deepEqual(p.steps, []);
  });

  it('reads image names with registries, namespaces, tags and digests', () => {
    assert.deepEqual(parseImage('node'), { name: 'node', tag: undefined });
    assert.deepEqual(parseImage('docker.io/library/node:20-alpine'), { name: 'node', tag: '20-alpine' });
    assert.deepEqual(parseImage('localhost:5000/team/python:3.12-slim@sha256:abc'), { name: 'python', tag: '3.12-slim' });
  });
});

describe('local/build .dockerignore', () => {
  it('matches from the context root, with ** for any depth', () => {
    const ig = new DockerIgnore('*.md\n**/*.log\n# comment\n\n/dist/\ntmp?\n');
    assert.equal(ig.ignores('README.md'), true);
    assert.equal(ig.ignores('docs/guide.md'), false, '*.md matches only at the root');
    assert.equal(ig.ignores('a.log'), true);
    assert.equal(ig.ignores('deep/down/a.log'), true);
    assert.equal(ig.ignores('dist'), true);
    assert.equal(ig.ignores('dist/app.js'), true, 'a matched folder excludes its contents');
    assert.equal(ig.ignores('tmp1'), true);
    assert.equal(ig.ignores('tmp12'), false);
    assert.equal(ig.canPrune, true);
  });

  it('lets the last matching line win, with ! re-including', () => {
    const ig = new DockerIgnore('logs\n!logs/keep.txt\n*.txt\n!important.txt\n');
    assert.equal(ig.ignores('logs/a.txt'), true);
    assert.equal(ig.ignores('logs/keep.txt'), false);
    assert.equal(ig.ignores('notes.txt'), true);
    assert.equal(ig.ignores('important.txt'), false);
    assert.equal(ig.canPrune, false);
  });

  it('always leaves out .stagecraft and extra folders', () => {
    const ig = new DockerIgnore('', ['build/artifacts']);
    assert.equal(ig.ignores('.stagecraft/artifacts/x'), true);
    assert.equal(ig.ignores('build/artifacts/abc'), true);
    assert.equal(ig.ignores('build/other'), false);
  });

  it('compiles Docker path patterns', () => {
    assert.ok(compilePattern('src/*.js').test('src/a.js'));
    assert.ok(!compilePattern('src/*.js').test('src/lib/a.js'));
    assert.ok(compilePattern('src/**/*.js').test('src/a.js'));
    assert.ok(compilePattern('src/**/*.js').test('src/lib/deep/a.js'));
    assert.ok(compilePattern('file[0-9].txt').test('file7.txt'));
    assert.ok(!compilePattern('file[!0-9].txt').test('file7.txt'));
    assert.ok(compilePattern('a\\*b').test('a*b'));
    assert.ok(!compilePattern('a\\*b').test('axb'));
    assert.ok(compilePattern('package*.json').test('package-lock.json'));
  });
});
