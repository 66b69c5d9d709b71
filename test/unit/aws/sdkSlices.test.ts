import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ec2Slice from '../../../src/aws/sdk/ec2';
import * as elbv2Slice from '../../../src/aws/sdk/elbv2';

/** Every source file under src/, as text. */
function sources(dir = 'src'): Array<{ path: string; text: string }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [{ path: join(dir, e.name), text: readFileSync(join(dir, e.name), 'utf8') }] : []));
}

/**
 * dist/aws-sdk.js carries only a slice of the EC2 and ELBv2 packages (src/aws/sdk/): a command a
 * source file uses but the slice leaves out would be undefined in the built extension while every
 * test under tsx (which loads the whole package) still passes. This test is what notices.
 */
describe('AWS SDK slices (src/aws/sdk/)', () => {
  for (const [pkg, slice] of [
    ['@aws-sdk/client-ec2', ec2Slice],
    ['@aws-sdk/client-elastic-load-balancing-v2', elbv2Slice],
  ] as const) {
    it(`every ${pkg} command or client a source uses is in its slice`, async () => {
      const full = (await import(pkg)) as Record<string, unknown>;
      const used = new Set<string>();
      for (const f of sources()) {
        if (f.path.includes(join('src', 'aws', 'sdk')) || !f.text.includes(`'${pkg}'`)) continue;
        for (const m of f.text.matchAll(/\b([A-Z][A-Za-z0-9]*(?:Command|Client))\b/g)) if (m[1] in full) used.add(m[1]);
      }
      assert.ok(used.size > 1, `sources use ${pkg}`);
      const missing = [...used].filter(n => !(n in slice));
      assert.deepEqual(missing, [], `add these to the slice of ${pkg} in src/aws/sdk/`);
    });
  }
});
