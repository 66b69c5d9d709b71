import { builtinProviders } from '../support/providers';
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/main';
import { TempDirs } from '../core/support/tempDir';

/** `stagecraft validate` renders AWS stages and checks them against what a real account refuses. */
describe('stagecraft validate on AWS stages', () => {
  const temp = new TempDirs();
  after(() => temp.cleanup());

  async function validate(yaml: string): Promise<{ code: number; out: string; err: string }> {
    const dir = temp.make('stagecraft-validate-');
    writeFileSync(join(dir, 'stagecraft.yaml'), yaml);
    let out = '';
    let err = '';
    const code = await runCli(['validate'], { cwd: dir, out: l => (out += `${l}\n`), err: l => (err += `${l}\n`), providers: builtinProviders() });
    return { code, out, err };
  }

  it('a stack whose AWS stages break no rule is valid', async () => {
    const r = await validate('stack: vshop\nstages:\n  - name: dev\n    provider: aws\n    database: postgres\n    env:\n      API: { secret: api-token }\n  - name: prod\n    provider: aws\n    database: postgres\n');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /is valid/);
  });

  it('a secret name ECS would misread as an ARN suffix is an AWS problem (exit 2)', async () => {
    const r = await validate('stack: vshop\nstages:\n  - name: dev\n    provider: aws\n    env:\n      API: { secret: api-secret }\n');
    assert.equal(r.code, 2);
    assert.match(r.err, /AWS: vshop\/dev: the secret name "api-secret" ends in a hyphen and six characters/);
  });

  it('loadBalancer on an AWS stage is ignored with a warning at its line, and the stack stays valid', async () => {
    const r = await validate('stack: vshop\nstages:\n  - name: dev\n    provider: aws\n  - name: prod\n    provider: aws\n    # kept from an older file\n    loadBalancer: true\n');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /is valid/);
    assert.match(r.out, /stagecraft\.yaml:8:5: stages\[1\]\.loadBalancer: ignored: every AWS stage is served by its foundation's load balancer .* \(warning\)/);
    assert.equal(r.out.match(/loadBalancer/g)?.length, 1, 'only the stage that has the key is named');
  });

  it('local stages are not rendered for AWS', async () => {
    const r = await validate('stack: vshop\nstages:\n  - name: dev\n    env:\n      API: { secret: api-secret }\n');
    assert.equal(r.code, 0, r.err);
  });
});
