import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseStackFile } from '../../../../src/core/config/load';
import { gatherScaffoldFacts, scaffoldStackFile, writeNewStackFile } from '../../../../src/core/config/scaffold';
import { StagecraftError } from '../../../../src/core/errors';
import { TempDirs } from '../support/tempDir';
import { builtinProviders } from '../../support/providers';

const providers = builtinProviders();

describe('config/scaffold: Create Stack', () => {
  const temp = new TempDirs();
  after(() => temp.cleanup());

  function serviceFolder(): string {
    const dir = temp.make();
    writeFileSync(
      join(dir, 'Dockerfile'),
      'FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\nEXPOSE 3000\nCMD ["node", "server.js"]\n',
    );
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: '@acme/Web Shop', scripts: { build: 'tsc', migrate: 'node migrate.js', start: 'node server.js', test: 'node --test' } }),
    );
    return dir;
  }

  it('gathers the port from the Dockerfile, name and migrate from package.json; no build/start that would contradict the Dockerfile', async () => {
    assert.deepEqual(await gatherScaffoldFacts(serviceFolder()), {
      stack: 'web-shop',
      dockerfile: 'Dockerfile',
      port: 3000,
      healthCheck: '/',
      dockerfileStart: 'node server.js',
      migrate: 'npm run migrate',
      sources: ['package.json', 'Dockerfile'],
    });
  });

  it('finds the health route in the source, and a port fixed in the start command', async () => {
    const dir = temp.make();
    writeFileSync(join(dir, 'Dockerfile'), 'FROM python:3.11-slim\nCOPY . .\nCMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]\n');
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'app', 'routes.py'), '@app.get("/")\ndef index(): ...\n\n@app.get("/healthy")\ndef healthy(): return "ok"\n');
    mkdirSync(join(dir, 'node_modules', 'x'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'x', 'index.js'), 'app.get("/healthz")');
    const facts = await gatherScaffoldFacts(dir);
    assert.equal(facts.port, 8000);
    assert.equal(facts.healthCheck, '/healthy');
    assert.equal(facts.healthSource, join('app', 'routes.py'));
    const text = scaffoldStackFile(facts, providers);
    assert.match(text, /healthCheck: \/healthy {3}# must answer 2xx when the service is ready \(found in app\/routes.py\)/);
    assert.doesNotMatch(text, /^\s*(start|build):/m);
    assert.deepEqual(parseStackFile(text, join(dir, 'stagecraft.yaml')).problems, []);
  });

  it('writes a commented file that parses as a valid stack with dev, test and a protected prod', async () => {
    const dir = serviceFolder();
    const text = scaffoldStackFile(await gatherScaffoldFacts(dir, 'shop'), providers);
    assert.match(text, /^ {4}provider: local {3}# local: runs on this machine[^;]*; aws: ECS Fargate/m, 'the default provider, and the choices');
    assert.match(text, /^# Prefilled from: package.json, Dockerfile\.$/m);
    assert.match(text, /^ {2}port: 3000 {3}# the port the container listens on \(EXPOSE\)$/m);
    const r = parseStackFile(text, join(dir, 'stagecraft.yaml'), providers.stackSchema());
    assert.deepEqual(r.problems, []);
    assert.equal(r.stack?.name, 'shop');
    assert.deepEqual(r.stack?.service, { dockerfile: 'Dockerfile', port: 3000, healthCheck: '/', migrate: 'npm run migrate' }, 'no health route in the source: the home page');
    assert.match(text, /# The Dockerfile builds \(RUN\) and starts \(CMD: node server.js\) the service;/);
    assert.deepEqual(
      r.stack?.stages.map(s => [s.name, s.provider, s.requireApproval, s.protected]),
      [
        ['dev', 'local', false, false],
        ['test', 'local', false, false],
        ['prod', 'local', true, true],
      ],
    );
  });

  it('an empty folder gets defaults, named after the folder, and is still valid', async () => {
    const dir = temp.make('Stagecraft_Empty-');
    const facts = await gatherScaffoldFacts(dir);
    assert.equal(facts.stack, basename(dir).toLowerCase().replace(/_/g, '-'));
    assert.deepEqual({ ...facts, stack: '' }, { stack: '', dockerfile: 'Dockerfile', port: 8080, healthCheck: '/health', sources: [] });
    const text = scaffoldStackFile(facts, providers);
    assert.match(text, /^# Prefilled from: defaults \(no Dockerfile or package\.json found\)\.$/m);
    assert.match(text, /^ {2}# start: "" {3}# how the service starts \(CMD\)$/m);
    const r = parseStackFile(text, join(dir, 'stagecraft.yaml'), providers.stackSchema());
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.stack?.service, { dockerfile: 'Dockerfile', port: 8080, healthCheck: '/health' });
  });

  it('package.json alone: npm start is the start command', async () => {
    const dir = temp.make();
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'api', scripts: { start: 'node .' } }));
    const facts = await gatherScaffoldFacts(dir);
    assert.equal(facts.stack, 'api');
    assert.equal(facts.start, 'npm start');
    assert.equal(facts.build, undefined);
  });

  it('writes a new file and never overwrites one', async () => {
    const dir = temp.make();
    const file = await writeNewStackFile(dir, 'stack: a\n');
    assert.equal(file, join(dir, 'stagecraft.yaml'));
    await assert.rejects(
      writeNewStackFile(dir, 'stack: b\n'),
      (err: unknown) => err instanceof StagecraftError && err.kind === 'input' && err.message === `${file} already exists; Stagecraft does not overwrite it.`,
    );
    assert.equal(readFileSync(file, 'utf8'), 'stack: a\n');
  });
});
