'use strict';
// `npm run lint` (the pipeline's code quality step) passes on the service and fails on broken code.
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { SERVICE_ROOT } = require('../test-support/harness');

const lint = root => spawnSync(process.execPath, [path.join(root, 'scripts', 'lint.js')], { encoding: 'utf8', timeout: 30_000 });
const tempDirs = [];
after(() => tempDirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));

test('lint passes on the service as committed', () => {
  const run = lint(SERVICE_ROOT);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /lint: \d+ files checked, 0 problem\(s\)/);
});

test('lint fails on a syntax error and on an eager require of pg, naming the files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sample-service-lint-'));
  tempDirs.push(dir);
  for (const sub of ['src', 'scripts']) fs.cpSync(path.join(SERVICE_ROOT, sub), path.join(dir, sub), { recursive: true });
  fs.appendFileSync(path.join(dir, 'src', 'config.js'), '\nconst = ;\n');
  fs.appendFileSync(path.join(dir, 'src', 'app.js'), "\nconst pg = require('pg');\n");
  const run = lint(dir);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /src\/config\.js: .*SyntaxError/s);
  assert.match(run.stderr, /src\/app\.js: require\('pg'\) only in src\/database\.js/);
  assert.match(run.stdout, /2 problem\(s\)/);
});
