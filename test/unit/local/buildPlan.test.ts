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
    assert.ok(p.notes.some(n => /Dockerfile:8: COPY: --chown is ignored/.test(n)));
  });

  it('combines ENTRYPOINT and CMD as Docker does', () => {
    assert.deepEqual(plan('FROM node:20\nCMD ["node", "a.js"]').command, ['node', 'a.js']);
    assert.deepEqual(plan('FROM node:20\nCMD node a.js').command, ['/bin/sh', '-c', 'node a.js']);
    assert.deepEqual(plan('FROM node:20\nCMD ["a.js"]\nENTRYPOINT ["node"]').command, ['node', 'a.js']);
    assert.deepEqual(plan('FROM node:20\nENTRYPOINT node a.js\nCMD ["ignored"]').command, ['/bin/sh', '-c', 'node a.js']);
    assert.deepEqual(plan('FROM node:20\nCMD ["first"]\nCMD ["node", "last.js"]').command, ['node', 'last.js']);
    assert.deepEqual(plan('FROM node:20').command, []);
  });

  it('rejects what process mode cannot do, naming the line and column', () => {
    const cases: Array<[string, RegExp]> = [
      ['RUN echo hi\nFROM node:20', /^Dockerfile:1:1: RUN before FROM/],
      ['FROM node:20\nRUN --mount=type=secret,id=npm npm ci', /^Dockerfile:2:5: RUN --mount=type=secret,id=npm is not supported/],
      ['FROM node:20\nRUN <<EOF\necho hi\nEOF', /^Dockerfile:2:1: RUN with a heredoc is not supported/],
      ['FROM node:20\nADD https://example.com/a.tgz /a', /^Dockerfile:2:5: ADD https:\/\/example.com\/a.tgz: URLs are not supported/],
      ['FROM node:20\nSHELL ["/bin/bash", "-c"]', /^Dockerfile:2:1: SHELL is not supported in process mode/],
      ['FROM node:20\nCOPY onlyone', /^Dockerfile:2:1: COPY needs at least one source and a destination/],
      ['FROM node:20\nEXPOSE http', /^Dockerfile:2:1: cannot read "EXPOSE http"/],
      ['FROM nginx:1.25\nCOPY a /a', /^Dockerfile:1:6: FROM nginx:1.25 names no runtime process mode has/],
      ['# nothing\n', /^Dockerfile:1:1: no FROM instruction/],
      // Multi-stage bad input: each names its line and column.
      ['FROM node:20 AS build\nFROM node:20 AS build', /^Dockerfile:2:17: stage name "build" is already used by the stage at line 1/],
      ['FROM node:20 AS build\nFROM node:20\nCOPY --from=biuld /app /app', /^Dockerfile:3:6: COPY --from=biuld: no stage is named "biuld" \(stages: build\)/],
      ['FROM node:20\nCOPY --from=nginx:latest /etc/nginx /x', /^Dockerfile:2:6: COPY --from=nginx:latest copies from an image/],
      ['FROM node:20 AS a\nCOPY --from=b /x /x\nFROM node:20 AS b\nCOPY --from=a /y /y\nFROM node:20\nCOPY --from=b /y /y', /^Dockerfile:2:6: cyclic --from: a → b → a/],
      ['FROM node:20 AS a\nCOPY --from=a /x /x', /^Dockerfile:2:6: cyclic --from: a → a/],
      ['FROM node:20 AS a\nCOPY --from=b /x /x\nFROM node:20 AS b\nFROM node:20\nCOPY --from=a /x /x', /^Dockerfile:2:6: COPY --from=b names a stage that starts later \(line 3\)/],
    ];
    for (const [text, expected] of cases) assert.throws(() => plan(text), (err: Error) => expected.test(err.message), text);
  });

  it('plans multi-stage builds: only the stages the last one needs, COPY --from resolved to a stage', () => {
    const p = plan(
      [
        'ARG NODE=20',
        'FROM node:${NODE} AS deps',
        'WORKDIR /app',
        'COPY package.json ./',
        'RUN npm install',
        'FROM python:3.11 AS unused',
        'RUN echo never',
        'FROM deps AS builder',
        'COPY . .',
        'RUN npm run build',
        'FROM node:${NODE}-slim',
        'WORKDIR /srv',
        'COPY --from=deps /app/node_modules ./node_modules',
        'COPY --from=0 /x /x',
        'COPY --from=builder /app/dist ./dist',
        'CMD ["node", "dist/server.js"]',
      ].join('\n'),
    );
    assert.deepEqual(
      p.stages.map(s => [s.index, s.name, s.image, s.base, s.workdir]),
      [
        [0, 'deps', 'node:20', undefined, '/app'],
        [2, 'builder', 'node:20', 0, '/app'],
        [3, undefined, 'node:20-slim', undefined, '/srv'],
      ],
    );
    const copies = p.steps.filter(s => s.kind === 'copy') as CopyStep[];
    assert.deepEqual(copies.map(c => [c.from, c.sources, c.dest]), [
      [0, ['/app/node_modules'], '/srv/node_modules'],
      [0, ['/x'], '/x'],
      [2, ['/app/dist'], '/srv/dist'],
    ]);
    assert.deepEqual(p.command, ['node', 'dist/server.js']);
    assert.equal(p.image, 'node:20-slim');
    assert.ok(p.notes.some(n => /Dockerfile:6: FROM: stage unused is not built/.test(n)), p.notes.join('\n'));
  });

  it('takes OS package installs out of RUN and keeps the rest', () => {
    const p = plan('FROM python:3.11\nRUN apt-get update && apt-get install -y --no-install-recommends curl libpq-dev && rm -rf /var/lib/apt/lists/*\nRUN apk add --no-cache git && pip install -r requirements.txt\nRUN pip install flask');
    const runs = p.steps.filter(s => s.kind === 'run') as RunStep[];
    assert.deepEqual(runs.map(r => [r.skip, r.shell, r.osPackages]), [
      [true, '', [{ manager: 'apt-get', packages: ['curl', 'libpq-dev'] }]],
      [false, 'pip install -r requirements.txt', [{ manager: 'apk', packages: ['git'] }]],
      [undefined, 'pip install flask', undefined],
    ]);
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
