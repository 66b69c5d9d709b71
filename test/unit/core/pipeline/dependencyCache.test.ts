import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError } from '../../../../src/core/errors';
import { runShell } from '../../../../src/core/exec';
import { installNodeDependencies } from '../../../../src/core/pipeline/dependencyCache';
import { TempDirs } from '../support/tempDir';

describe('core/pipeline dependencyCache: installing for the checks', function () {
  this.timeout(60_000);
  const temps = new TempDirs();
  after(() => temps.cleanup());

  it('a lockfile out of sync with package.json is named as such, with what differs and what to do (real npm ci)', async () => {
    // Found in the field: a public service whose Dockerfile runs `npm install` built fine, and the checks' `npm ci` refused.
    const dir = temps.make('stagecraft-deps-');
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'svc', version: '1.0.0', dependencies: { 'is-number': '^7.0.0' } }));
    writeFileSync(
      path.join(dir, 'package-lock.json'),
      JSON.stringify({
        name: 'svc',
        version: '1.0.0',
        lockfileVersion: 3,
        requires: true,
        packages: {
          '': { name: 'svc', version: '1.0.0', dependencies: { 'is-number': '^6.0.0' } },
          'node_modules/is-number': { version: '6.0.0', resolved: 'https://registry.npmjs.org/is-number/-/is-number-6.0.0.tgz' },
        },
      }),
    );
    const logged: string[] = [];
    const err = await installNodeDependencies(dir, path.join(dir, '.deps-cache'), {
      run: (command, cwd) => runShell(command, { cwd, env: process.env }),
      log: line => logged.push(line),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof StagecraftError, String(err));
    assert.match(err.message, /^package-lock\.json is out of sync with package\.json, so npm ci --no-audit --no-fund refused to install the dependencies for the checks: is-number@6\.0\.0 \(package\.json wants is-number@\S+\)\.$/);
    assert.equal(err.kind, 'input');
    assert.match(err.hint ?? '', /Run `npm install` to update package-lock\.json, commit it/);
  });
});
