// Runs the install suite: the packaged .vsix files and the CLI tarball as users get them.
//   node test/install/run.mjs [--results=FILE] [--grep=PATTERN]
// Writes { passed, failed, skipped } to FILE for test/run-tests.mjs.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { artifacts } from './artifacts.mjs';

const require = createRequire(import.meta.url);
const Mocha = require('mocha');
const arg = name => process.argv.find(a => a.startsWith(`--${name}=`))?.slice(name.length + 3);
process.env.AWS_EC2_METADATA_DISABLED ??= 'true';

const mocha = new Mocha({ reporter: 'spec', timeout: 120_000, slow: 10_000, grep: arg('grep') });
for (const file of ['package-contents.test.mjs', 'cli-package.test.mjs', 'installed-extension.test.mjs']) mocha.addFile(join(import.meta.dirname, file));
await mocha.loadFilesAsync();
const stats = await new Promise(done => {
  const runner = mocha.run(() => done(runner.stats));
});
try {
  artifacts().remove();
} catch {
  // nothing was built (every test filtered out)
}
const counts = { passed: stats.passes, failed: stats.failures, skipped: stats.pending };
if (arg('results')) writeFileSync(arg('results'), JSON.stringify(counts, null, 2) + '\n');
process.exit(stats.failures > 0 || stats.passes === 0 ? 1 : 0);
