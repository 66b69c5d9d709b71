import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { waitForWorkspaceWatcher } from './support/watcherReady';

/**
 * The entry point VS Code loads as `extensionTestsPath`: runs mocha inside the extension host over
 * the compiled `out/test/integration/<suite>/**\/*.test.js` and resolves when every test passed.
 *
 * Set by the launcher (runner.mjs, launch-electron.mjs) in the extension host's environment:
 * - STAGECRAFT_IT_SUITE: the folder of tests to run, `suite` (default, multi-root) or `single-folder`
 * - STAGECRAFT_IT_RESULTS: a JSON file that receives `{ passed, failed, skipped }`
 * - STAGECRAFT_IT_GREP: only tests whose full title matches this pattern
 */
export async function run(): Promise<void> {
  const suite = process.env.STAGECRAFT_IT_SUITE || 'suite';
  const results = process.env.STAGECRAFT_IT_RESULTS;
  const grep = process.env.STAGECRAFT_IT_GREP;
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', timeout: 30_000, slow: 3_000, grep: grep ? new RegExp(grep) : undefined });
  const dir = path.join(__dirname, suite);
  const files = fs.existsSync(dir)
    ? fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter(f => f.endsWith('.test.js')).sort().map(f => path.join(dir, f))
    : [];
  if (files.length === 0) throw new Error(`No compiled tests in ${dir}: run \`npm run compile\` first.`);
  for (const file of files) mocha.addFile(file);
  await waitForWorkspaceWatcher();

  const stats = await new Promise<Mocha.Stats>((resolve, reject) => {
    try {
      const runner = mocha.run(() => resolve(runner.stats ?? { passes: 0, failures: 1, pending: 0 } as Mocha.Stats));
    } catch (err) {
      reject(err);
    }
  });
  const counts = { suite, passed: stats.passes, failed: stats.failures, skipped: stats.pending };
  if (results) fs.writeFileSync(results, JSON.stringify(counts, null, 2) + '\n');
  if (stats.failures > 0) throw new Error(`${stats.failures} integration test(s) failed`);
  if (stats.passes === 0) throw new Error('No integration test ran');
}
