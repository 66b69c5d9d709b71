import * as assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { StagecraftError } from '../../../src/core/errors';
import { buildArtifact, loadArtifact, removeArtifact, type BuiltArtifact } from '../../../src/local/artifact';
import { LayerCache, layerKey } from '../../../src/local/artifact/layerCache';

// From test/unit/local when run through tsx, from out/test/unit/local when compiled.
const FIXTURE = ['../../fixtures', '../../../../test/fixtures'].map(p => path.resolve(__dirname, p, 'dockerfiles/node-service')).find(p => existsSync(p))!;
const hostNode = execFileSync('node', ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '');

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>(r => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise(r => s.close(r));
  return port;
}

function getJson(port: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/hello' }, res => {
        let body = '';
        res.on('data', c => (body += c));
        res.on('end', () => resolve(JSON.parse(body)));
      })
      .on('error', reject);
  });
}

/** Running, not a zombie (a container's init may never reap an orphan). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('local/build buildArtifact (process mode)', function () {
  this.timeout(30_000);
  let root: string;
  let artifactsDir: string;
  const children: ChildProcess[] = [];
  const logLines: string[] = [];
  const log = (line: string) => logLines.push(line);

  beforeEach(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'stagecraft-build-'));
    await fs.cp(FIXTURE, root, { recursive: true });
    artifactsDir = path.join(root, '.stagecraft', 'artifacts');
    logLines.length = 0;
  });
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    // Artifacts are read-only; removeArtifact knows how to delete them.
    for (const name of await fs.readdir(artifactsDir).catch(() => [] as string[])) if (/^[0-9a-f]{64}$/.test(name)) await removeArtifact(artifactsDir, name);
    rmSync(root, { recursive: true, force: true });
  });

  const build = (over: Partial<Parameters<typeof buildArtifact>[0]> = {}) => buildArtifact({ root, dockerfile: 'Dockerfile', commit: 'c0ffee1', artifactsDir, log, ...over });
  const write = (rel: string, text: string) => fs.mkdir(path.dirname(path.join(root, rel)), { recursive: true }).then(() => fs.writeFile(path.join(root, rel), text));

  it('builds the fixture into a read-only, content-addressed folder with its manifest', async () => {
    const a = await build();
    assert.match(a.id, /^[0-9a-f]{64}$/);
    assert.equal(a.reused, false);
    assert.equal(a.dir, path.join(artifactsDir, a.id));
    assert.equal(a.appDir, path.join(a.dir, 'fs', 'app'));
    const m = a.manifest;
    assert.equal(m.id, a.id);
    assert.equal(m.commit, 'c0ffee1');
    assert.ok(Date.now() - Date.parse(m.createdAt) < 60_000);
    assert.deepEqual(m.runtime, { image: 'node:20-alpine', binary: m.runtime.binary, version: hostNode });
    assert.equal(path.basename(m.runtime.binary), 'node');
    assert.equal(m.workdir, '/app');
    assert.equal(m.env.NODE_ENV, 'production');
    assert.equal(m.env.GREETING, 'hello from the artifact');
    assert.equal(m.exposedPort, 3000);
    assert.deepEqual(m.command, [m.runtime.binary, path.join(a.appDir, 'src', 'server.js')]);

    // RUN ran in the WORKDIR inside the build folder, with ENV set.
    const info = JSON.parse(await fs.readFile(path.join(a.appDir, 'build-info.json'), 'utf8'));
    assert.equal(info.nodeEnv, 'production');
    assert.match(info.cwd, /\.tmp-[0-9a-f]{12}-\d+-[^/]+\/fs\/app$/);
    assert.ok(logLines.some(l => l.includes('build step done')), 'RUN output reaches the log');
    assert.ok(logLines.some(l => /note: Dockerfile:4: LABEL is ignored/.test(l)));
    assert.match(await fs.readFile(path.join(a.dir, 'build.log'), 'utf8'), /Step 4\/4 · Dockerfile:10 · RUN node build.js/);

    // Immutable: no write bit anywhere, and no temp folder left beside it.
    for (const p of [a.dir, path.join(a.dir, 'manifest.json'), a.appDir, path.join(a.appDir, 'src', 'server.js')]) {
      assert.equal((await fs.stat(p)).mode & 0o222, 0, `${p} is writable`);
    }
    assert.deepEqual(await fs.readdir(artifactsDir), [a.id]);
    assert.deepEqual(await loadArtifact(artifactsDir, a.id), { ...a, reused: true });
  });

  it('the built command starts the service', async () => {
    const a = await build();
    const port = await freePort();
    const [file, ...args] = a.manifest.command;
    const child = spawn(file, args, { cwd: a.appDir, env: { ...a.manifest.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', d => String(d).includes('listening') && resolve());
      child.on('exit', code => reject(new Error(`service exited with ${code}`)));
    });
    const body = await getJson(port);
    assert.equal(body.greeting, 'hello from the artifact');
    assert.equal(body.nodeEnv, 'production');
    assert.equal(body.path, '/hello');
    child.kill('SIGTERM');
  });

  it('honours .dockerignore (exceptions included) and never copies .stagecraft', async () => {
    await write('debug.log', 'ignored');
    await write('keep.log', 'kept by the ! rule');
    await write('local-notes/todo.txt', 'ignored folder');
    await write('src/server.test.js', 'ignored anywhere');
    await write('.stagecraft/stages/dev.json', '{}');
    const a = await build();
    const files = (await fs.readdir(a.appDir, { recursive: true })).map(String).sort();
    assert.deepEqual(files, ['.dockerignore', 'build-info.json', 'build.js', 'keep.log', 'package.json', 'src', 'src/server.js']);
  });

  it('an exported commit: its completion marker never enters the artifact, so the same tree at a new commit reuses it', async () => {
    await write('.stagecraft-export-complete', 'a'.repeat(40));
    const first = await build({ commit: 'a'.repeat(40) });
    await write('.stagecraft-export-complete', 'b'.repeat(40));
    const second = await build({ commit: 'b'.repeat(40) });
    assert.equal(second.id, first.id);
    assert.equal(second.reused, true);
    assert.equal((await fs.readdir(first.appDir)).includes('.stagecraft-export-complete'), false);
  });

  it('reuses the artifact for an unchanged tree, without running the build again', async () => {
    const first = await build();
    logLines.length = 0;
    const second = await build({ commit: 'later' });
    assert.equal(second.id, first.id);
    assert.equal(second.reused, true);
    assert.equal(second.manifest.commit, 'c0ffee1', 'the manifest is the first build’s');
    assert.ok(!logLines.some(l => l.startsWith('Step ')), logLines.join('\n'));
    assert.ok(logLines.some(l => /up to date.*reusing/.test(l)));
  });

  it('a changed file gives a new id; a change to an ignored file does not', async () => {
    const first = await build();
    await write('debug.log', 'more noise');
    assert.equal((await build()).id, first.id);
    await write('src/server.js', (await fs.readFile(path.join(root, 'src/server.js'), 'utf8')) + '\n// changed\n');
    const changed = await build();
    assert.notEqual(changed.id, first.id);
    assert.equal(changed.reused, false);
    await fs.appendFile(path.join(root, 'Dockerfile'), 'ENV EXTRA=1\n');
    assert.notEqual((await build()).id, changed.id, 'the Dockerfile is an input too');
  });

  it('FROM an image with no runtime on this machine is a clear error with its line', async () => {
    await write('Dockerfile', '# ruby service\nFROM ruby:3.3\nCMD ["ruby", "app.rb"]\n');
    await assert.rejects(build(), (err: unknown) => {
      assert.ok(err instanceof StagecraftError);
      assert.match(err.message, /^Dockerfile:2:6: FROM ruby:3\.3 names no runtime process mode has/);
      assert.match(err.message, /node \(`node`\), python \(`python3`\)/);
      return true;
    });
    await assert.rejects(fs.stat(artifactsDir), { code: 'ENOENT' });
  });

  it('an unsupported or unknown instruction is an error naming file:line, before anything runs', async () => {
    await write('Dockerfile', 'FROM node:20\nRUN echo should-not-run > ran.txt\nSHELL ["/bin/bash", "-c"]\n');
    await assert.rejects(build(), /^StagecraftError: Dockerfile:3:1: SHELL is not supported in process mode: /);
    await assert.rejects(fs.stat(path.join(root, 'ran.txt')), { code: 'ENOENT' });
    await write('Dockerfile', 'FROM node:20\nCOPY --from=builder /x /y\n');
    await assert.rejects(build(), /Dockerfile:2:6: COPY --from=builder: no stage is named "builder"/);
    await write('Dockerfile', 'FROM node:20\nFRUM x\n');
    await assert.rejects(build(), /Dockerfile:2:1: unknown instruction "FRUM"/);
    await write('Dockerfile', 'FROM node:20\nCOPY missing.txt ./\n');
    await assert.rejects(build(), /Dockerfile:2: COPY source "missing.txt" was not found in the build context: it does not exist/);
    await write('Dockerfile', 'FROM node:20\nCOPY debug.log ./\n');
    await write('debug.log', 'x');
    await assert.rejects(build(), /Dockerfile:2: COPY source "debug.log" was not found in the build context: .dockerignore excludes it/);
  });

  it('a failed RUN leaves no artifact and names the line and the last output', async () => {
    await write('Dockerfile', 'FROM node:20\nWORKDIR /srv\nRUN echo first line && echo "second: boom" >&2 && exit 3\nCMD ["node", "x.js"]\n');
    await assert.rejects(build(), (err: unknown) => {
      assert.ok(err instanceof StagecraftError);
      assert.match(err.message, /^Dockerfile:3: RUN echo first line .* failed with exit code 3\. Last lines of its output:\n {2}first line\n {2}second: boom$/);
      return true;
    });
    assert.deepEqual(await fs.readdir(artifactsDir), [], 'no artifact and no temp folder');
  });

  it('cancellation ends the RUN process group and leaves nothing behind', async () => {
    await write('Dockerfile', 'FROM node:20\nRUN sleep 30 & echo "sleeping $!"; wait\n');
    const controller = new AbortController();
    let sleeper = 0;
    const started = Date.now();
    const building = build({
      signal: controller.signal,
      log: line => {
        const m = /sleeping (\d+)/.exec(line);
        if (m) {
          sleeper = Number(m[1]);
          controller.abort();
        }
      },
    });
    await assert.rejects(building, (err: unknown) => err instanceof StagecraftError && err.cancelled);
    assert.ok(Date.now() - started < 10_000);
    assert.ok(sleeper > 0);
    for (let i = 0; i < 50 && isAlive(sleeper); i++) await new Promise(r => setTimeout(r, 20));
    assert.equal(isAlive(sleeper), false, 'the RUN’s child was ended too');
    assert.deepEqual(await fs.readdir(artifactsDir), []);
  });

  it('warns when FROM asks for another version than the host has, and still builds', async () => {
    await write('Dockerfile', 'FROM node:18-slim\nWORKDIR /app\nCOPY package.json .\nRUN test -d /app/nothing-here || true\nCMD node /app/package.json\n');
    const a = await build();
    assert.ok(logLines.some(l => /note: Dockerfile:4: \/app\/nothing-here is the artifact's, not the host's: mapped into it/.test(l)), logLines.join('\n'));
    assert.ok(logLines.some(l => new RegExp(`warning: Dockerfile:1: FROM node:18-slim asks for node 18, this machine has ${hostNode.replace(/\./g, '\\.')}`).test(l)), logLines.join('\n'));
    // Shell form: the runtime command and a path inside the copied tree are mapped.
    assert.deepEqual(a.manifest.command, ['/bin/sh', '-c', `${a.manifest.runtime.binary} ${path.join(a.appDir, 'package.json')}`]);
  });

  it('copies wildcards, applies --chmod, unpacks ADD archives and runs exec-form RUN', async () => {
    await write('vendor-src/lib/util.js', 'module.exports = 42;\n');
    execFileSync('tar', ['-czf', path.join(root, 'vendor.tar.gz'), '-C', path.join(root, 'vendor-src'), 'lib']);
    await write('package-lock.json', '{}');
    await write(
      'Dockerfile',
      [
        'FROM node:20',
        'WORKDIR /app',
        'COPY package*.json ./',
        'COPY --chmod=700 build.js tools/',
        'ADD vendor.tar.gz vendor/',
        'RUN ["node", "-e", "require(\'fs\').writeFileSync(\'answer.txt\', String(require(\'./vendor/lib/util.js\')))"]',
        'CMD ["node", "tools/build.js"]',
      ].join('\n'),
    );
    const a = await build();
    const files = (await fs.readdir(a.appDir, { recursive: true })).map(String).sort();
    assert.deepEqual(files, ['answer.txt', 'package-lock.json', 'package.json', 'tools', 'tools/build.js', 'vendor', 'vendor/lib', 'vendor/lib/util.js']);
    assert.equal(await fs.readFile(path.join(a.appDir, 'answer.txt'), 'utf8'), '42');
    assert.equal((await fs.stat(path.join(a.appDir, 'tools/build.js'))).mode & 0o777, 0o500, '--chmod=700, then read-only');
    assert.deepEqual(a.manifest.command, [a.manifest.runtime.binary, 'tools/build.js'], 'relative arguments stay relative to appDir');
  });

  it('builds multi-stage Dockerfiles: each stage in its own root, COPY --from a stage, only the last one in the artifact', async () => {
    await write('src/main.js', 'console.log("from source")\n');
    await write(
      'Dockerfile',
      [
        'FROM node:20 AS builder',
        'WORKDIR /build',
        'COPY src ./src',
        'RUN mkdir -p dist bin && node -e "require(\'fs\').writeFileSync(\'dist/main.js\', \'console.log(1+1)\')" && echo tool > bin/tool && echo scratch > scratch.txt',
        'FROM builder AS tested',
        'RUN test -f dist/main.js && echo checked > dist/checked.txt',
        'FROM node:20-slim',
        'WORKDIR /app',
        'COPY --from=tested /build/dist ./dist',
        'COPY --from=builder /build/bin/* /usr/local/bin/',
        'RUN apt-get update && apt-get install -y --no-install-recommends tini dpkg',
        'CMD ["node", "dist/main.js"]',
      ].join('\n'),
    );
    const a = await build();
    const files = (await fs.readdir(path.join(a.dir, 'fs'), { recursive: true })).map(String).sort();
    assert.deepEqual(files, ['app', 'app/dist', 'app/dist/checked.txt', 'app/dist/main.js', 'usr', 'usr/local', 'usr/local/bin', 'usr/local/bin/tool']);
    assert.equal(execFileSync(a.manifest.command[0], a.manifest.command.slice(1), { cwd: a.appDir, encoding: 'utf8' }), '2\n');
    assert.deepEqual((await fs.readdir(artifactsDir)).filter(n => n.startsWith('.tmp')), [], 'the stage roots are gone');
    assert.ok(logLines.some(l => /skipped installing OS packages \(apt-get\)/.test(l)), logLines.join('\n'));
    assert.ok(logLines.some(l => /present on this machine: .*dpkg/.test(l)), 'dpkg is installed here');
    assert.ok(logLines.some(l => /warning: Dockerfile:11: not on this machine: tini/.test(l)) || logLines.some(l => /present on this machine: tini/.test(l)));
  });

  it('maps FROM python to python3 on this machine', async function () {
    await write('app.py', 'print("hi")\n');
    await write('Dockerfile', 'FROM python:3-slim\nWORKDIR /code\nCOPY app.py .\nRUN python3 -c "open(\'built.txt\', \'w\').write(\'ok\')"\nCMD ["python", "app.py"]\n');
    const a = await build();
    assert.equal(path.basename(a.manifest.runtime.binary), 'python3');
    assert.equal(a.manifest.command[0], a.manifest.runtime.binary);
    assert.equal(a.manifest.env.PYTHONUSERBASE, path.join(a.dir, 'fs', 'root', '.local'));
    assert.equal(await fs.readFile(path.join(a.appDir, 'built.txt'), 'utf8'), 'ok');
    assert.equal(execFileSync(a.manifest.command[0], a.manifest.command.slice(1), { cwd: a.appDir, encoding: 'utf8' }), 'hi\n');
  });

  it('puts pip --user and npm -g commands on PATH at build and at start', async function () {
    this.timeout(120_000);
    await write('app.py', 'def app(environ, start_response):\n    start_response("200 OK", [])\n    return [b"hi"]\n');
    await write('requirements.txt', 'gunicorn\n');
    await write('tool/package.json', JSON.stringify({ name: 'hello-tool', version: '1.0.0', bin: { 'hello-tool': 'cli.js' } }));
    await write('tool/cli.js', '#!/usr/bin/env node\nconsole.log("tool ran")\n');
    await write(
      'Dockerfile',
      ['FROM node:20 AS tools', 'WORKDIR /w', 'COPY tool ./tool', 'RUN npm install -g --install-links ./tool && hello-tool', 'FROM python:3.11-slim', 'WORKDIR /srv', 'COPY --from=tools /w/tool/package.json tool.json', 'COPY . .', 'RUN pip install --user -r requirements.txt && gunicorn --version', 'CMD gunicorn --bind 0.0.0.0:8000 app:app'].join('\n'),
    );
    const a = await build();
    const bins = a.manifest.env.PATH.split(path.delimiter);
    assert.equal(bins[0], path.join(a.dir, 'fs', 'root', '.local', 'bin'));
    const out = execFileSync('/bin/sh', ['-c', 'gunicorn --version'], { cwd: a.appDir, env: { ...a.manifest.env }, encoding: 'utf8' });
    assert.match(out, /gunicorn/);
    assert.ok(logLines.some(l => /RUN: user and global installs go inside the artifact/.test(l)));
    assert.ok(logLines.some(l => l.trim() === 'tool ran'), logLines.filter(l => /tool/.test(l)).join('\n'));
  });

  it('reuses a RUN from the build cache while the instruction and everything copied before it are unchanged', async () => {
    const cacheDir = path.join(root, '.stagecraft', 'build-cache');
    const counter = path.join(root, '.stagecraft', 'installs.txt');
    const dockerfile = (stageName: string) =>
      [`FROM node:20 AS ${stageName}`, 'WORKDIR /app', 'COPY package.json .', `RUN echo installed >> ${counter} && echo deps > deps.txt`, 'COPY src ./src', 'RUN cat deps.txt > built.txt', 'CMD ["node", "src/server.js"]'].join('\n');
    await write('Dockerfile', dockerfile('app'));
    const installs = async () => (await fs.readFile(counter, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    const first = await build({ cacheDir });
    assert.equal(await installs(), 1);
    // Only the install is kept: the RUN after `COPY src ./src` changes with every commit.
    assert.equal((await fs.readdir(cacheDir)).filter(n => /^[0-9a-f]{64}$/.test(n)).length, 1);
    assert.ok(logLines.some(l => /not kept in the build cache: it follows a COPY of a folder/.test(l)), logLines.join('\n'));
    // Another commit: only the code changes; the install is reused, the later RUN runs again.
    await write('src/server.js', 'console.log("changed")\n');
    logLines.length = 0;
    const second = await build({ cacheDir });
    assert.notEqual(second.id, first.id);
    assert.equal(await installs(), 1, 'the install RUN was reused');
    assert.ok(logLines.some(l => /cached: steps up to Dockerfile:4 reused from the build cache/.test(l)), logLines.join('\n'));
    assert.equal(await fs.readFile(path.join(second.appDir, 'built.txt'), 'utf8'), 'deps\n');
    assert.equal(await fs.readFile(path.join(second.appDir, 'src', 'server.js'), 'utf8'), 'console.log("changed")\n');
    // The same steps in another stage name share the cache; a changed package.json does not.
    await write('Dockerfile', dockerfile('renamed'));
    await build({ cacheDir });
    assert.equal(await installs(), 1);
    await write('package.json', '{"name":"changed"}');
    await build({ cacheDir });
    assert.equal(await installs(), 2, 'a changed COPY before the RUN runs it again');
  });

  it('a builder stage borrows its cache entry (moved in, given back as it was); one that writes into it drops the entry', async () => {
    const cacheDir = path.join(root, '.stagecraft', 'build-cache');
    const counter = path.join(root, '.stagecraft', 'installs.txt');
    const dockerfile = (later: string) =>
      [
        'FROM node:20 AS builder',
        'WORKDIR /app',
        'COPY package.json .',
        `RUN echo installed >> ${counter} && mkdir -p node_modules/dep && echo v1 > node_modules/dep/index.txt`,
        'COPY src ./src',
        later,
        'FROM node:20-slim',
        'WORKDIR /app',
        'COPY --from=builder /app/out ./out',
        'CMD ["node", "-e", "0"]',
      ].join('\n');
    await write('Dockerfile', dockerfile('RUN mkdir -p out node_modules/.cache && cp node_modules/dep/index.txt out/dep.txt && cp src/server.js out/ && echo c > node_modules/.cache/x'));
    const installs = async () => (await fs.readFile(counter, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    const entries = async () => (await fs.readdir(cacheDir)).filter(n => /^[0-9a-f]{64}$/.test(n));
    await build({ cacheDir });
    const [entry] = await entries();
    const cachedRoot = path.join(cacheDir, entry, 'root');
    const inode = (await fs.stat(path.join(cachedRoot, 'app', 'node_modules', 'dep', 'index.txt'))).ino;

    // A code change: the install is reused by moving the entry's own files in, not copies of them.
    await write('src/server.js', 'console.log("changed")\n');
    logLines.length = 0;
    const second = await build({ cacheDir });
    assert.equal(await installs(), 1, 'the install RUN was reused');
    assert.equal(await fs.readFile(path.join(second.appDir, 'out', 'dep.txt'), 'utf8'), 'v1\n');
    assert.equal(await fs.readFile(path.join(second.appDir, 'out', 'server.js'), 'utf8'), 'console.log("changed")\n');
    // Given back as it was: the same files, and nothing the later steps added (src, out, node_modules/.cache).
    assert.equal((await fs.stat(path.join(cachedRoot, 'app', 'node_modules', 'dep', 'index.txt'))).ino, inode, 'the same file went back');
    assert.deepEqual((await fs.readdir(path.join(cachedRoot, 'app'))).sort(), ['node_modules', 'package.json']);
    assert.deepEqual(await fs.readdir(path.join(cachedRoot, 'app', 'node_modules')), ['dep']);
    assert.ok(!logLines.some(l => /dropped an entry/.test(l)), logLines.join('\n'));

    // A later step that writes into what the install left: the entry cannot be trusted any more.
    await write('Dockerfile', dockerfile('RUN mkdir -p out && echo patched > node_modules/dep/index.txt && cp node_modules/dep/index.txt out/dep.txt'));
    logLines.length = 0;
    const patched = await build({ cacheDir });
    assert.equal(await fs.readFile(path.join(patched.appDir, 'out', 'dep.txt'), 'utf8'), 'patched\n');
    assert.ok(logLines.some(l => /the build cache dropped an entry: a later step changed what Dockerfile had installed/.test(l)), logLines.join('\n'));
    assert.deepEqual(await entries(), [], 'the changed entry is gone');
    // So the next build installs again, from a clean slate: it sees v1, not the patched file.
    await write('Dockerfile', dockerfile('RUN mkdir -p out && cp node_modules/dep/index.txt out/dep.txt && echo again > out/again.txt'));
    const after = await build({ cacheDir });
    assert.equal(await installs(), 2);
    assert.equal(await fs.readFile(path.join(after.appDir, 'out', 'dep.txt'), 'utf8'), 'v1\n');
  });

  it('a builder with `COPY . .` after its install keeps its cache entry: files copied again byte for byte are left in place', async () => {
    // Found in the field (a public TypeScript service): `COPY package*.json ./`, `RUN npm install`,
    // `COPY . .` replaced package.json with an identical copy, and the borrowed entry was dropped each time.
    const cacheDir = path.join(root, '.stagecraft', 'build-cache');
    const counter = path.join(root, '.stagecraft', 'installs.txt');
    const installs = async () => (await fs.readFile(counter, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    await write('.dockerignore', '.stagecraft\n');
    await write('Dockerfile', ['FROM node:20 AS build', 'WORKDIR /app', 'COPY package*.json ./', `RUN echo installed >> ${counter} && mkdir -p node_modules/dep && echo v1 > node_modules/dep/index.txt`, 'COPY . .', 'RUN mkdir -p out && cp src/server.js out/', 'FROM node:20-slim', 'WORKDIR /app', 'COPY --from=build /app/out ./out', 'CMD ["node", "out/server.js"]'].join('\n'));
    for (let i = 1; i <= 3; i++) {
      await write('src/server.js', `console.log(${i})\n`);
      logLines.length = 0;
      const built = await build({ cacheDir });
      assert.equal(await fs.readFile(path.join(built.appDir, 'out', 'server.js'), 'utf8'), `console.log(${i})\n`);
      assert.ok(!logLines.some(l => /dropped an entry/.test(l)), `build ${i}:\n${logLines.join('\n')}`);
    }
    assert.equal(await installs(), 1, 'one install for three commits');
  });

  it('a cache entry that cannot be copied (taken by another build, damaged) is built again, not a failed build', async () => {
    const cacheDir = path.join(root, '.stagecraft', 'build-cache');
    const counter = path.join(root, '.stagecraft', 'installs.txt');
    const installs = async () => (await fs.readFile(counter, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    await write('Dockerfile', ['FROM node:20', 'WORKDIR /app', 'COPY package.json .', `RUN echo installed >> ${counter} && echo deps > deps.txt`, 'COPY src ./src', 'CMD ["node", "src/server.js"]'].join('\n'));
    await build({ cacheDir });
    const [entry] = (await fs.readdir(cacheDir)).filter(n => /^[0-9a-f]{64}$/.test(n));
    await fs.rm(path.join(cacheDir, entry, 'root'), { recursive: true });
    await fs.writeFile(path.join(cacheDir, entry, 'root'), 'not a folder');
    await write('src/server.js', 'console.log("changed")\n');
    logLines.length = 0;
    const again = await build({ cacheDir });
    assert.equal(await installs(), 2, 'the install ran again');
    assert.equal(await fs.readFile(path.join(again.appDir, 'deps.txt'), 'utf8'), 'deps\n');
    assert.ok(logLines.some(l => /the build cache entry for Dockerfile:4 could not be used .*; running the steps/.test(l)), logLines.join('\n'));
  });

  it('two stages that resume from the same cache entry each get a copy', async () => {
    const cacheDir = path.join(root, '.stagecraft', 'build-cache');
    const counter = path.join(root, '.stagecraft', 'installs.txt');
    const install = `RUN echo installed >> ${counter} && echo deps > deps.txt`;
    const dockerfile = (n: number) => ['FROM node:20 AS deps', 'WORKDIR /app', 'COPY package.json .', install, 'FROM node:20', 'WORKDIR /app', 'COPY package.json .', install, 'COPY --from=deps /app/deps.txt ./from-deps.txt', `ENV BUILD=${n}`, 'CMD ["node", "-e", "0"]'].join('\n');
    const installs = async () => (await fs.readFile(counter, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    await write('Dockerfile', dockerfile(1));
    await build({ cacheDir });
    assert.equal(await installs(), 1, 'the second stage already reused the first one\'s install');
    await write('Dockerfile', dockerfile(2));
    const second = await build({ cacheDir });
    assert.equal(await installs(), 1, 'both stages reused the install');
    assert.equal(await fs.readFile(path.join(second.appDir, 'deps.txt'), 'utf8'), 'deps\n');
    assert.equal(await fs.readFile(path.join(second.appDir, 'from-deps.txt'), 'utf8'), 'deps\n');
  });

  it('the build cache evicts the least recently used entries beyond its size bound', async () => {
    const dir = path.join(root, 'cache');
    const cache = new LayerCache({ dir, maxBytes: 12 * 1024 });
    for (const name of ['a', 'b', 'c']) {
      await write(`layers/${name}/big.bin`, 'x'.repeat(6000));
      await cache.save(layerKey(name), path.join(root, 'layers', name), name);
      await new Promise(r => setTimeout(r, 20));
    }
    // Using "a" makes "b" the least recently used.
    await cache.restore(layerKey('a'), path.join(root, 'restored'));
    assert.equal(await fs.readFile(path.join(root, 'restored', 'big.bin'), 'utf8'), 'x'.repeat(6000));
    assert.ok((await cache.evict()) >= 1);
    assert.equal(await cache.has(layerKey('b')), false, 'b went first');
    assert.equal(await cache.has(layerKey('a')), true);
  });

  it('points container-only paths of RUN into the artifact and leaves out a missing tini', async () => {
    await write('Dockerfile', ['FROM node:20-slim', 'WORKDIR /usr/local/app', 'COPY package.json ./', 'RUN mkdir -p node_modules/x && echo kept > node_modules/x/a.txt && mv /usr/local/app/node_modules /sc-test-modules', 'ENTRYPOINT ["/usr/bin/tini", "--"]', 'CMD ["node", "-e", "console.log(1)"]'].join('\n'));
    const a = await build();
    assert.equal(await fs.readFile(path.join(a.dir, 'fs', 'sc-test-modules', 'x', 'a.txt'), 'utf8'), 'kept\n');
    assert.equal(existsSync('/sc-test-modules'), false, 'nothing was created in the host\'s /');
    if (!existsSync('/usr/bin/tini')) {
      assert.deepEqual(a.manifest.command, [a.manifest.runtime.binary, '-e', 'console.log(1)']);
      assert.ok(logLines.some(l => /note: tini is not on this machine/.test(l)));
    }
  });

  it('loadArtifact explains a missing or malformed id', async () => {
    await assert.rejects(loadArtifact(artifactsDir, 'a'.repeat(64)), /Artifact aaaaaaaaaaaa is not in .*never built here/);
    await assert.rejects(loadArtifact(artifactsDir, '../etc'), /is not an artifact id/);
  });
});
