// The same integration suite under @vscode/test-electron, for a developer's machine where VS Code
// desktop can be downloaded (`npm run test:electron`). This machine cannot reach the download
// server: there, use `npm run test:integration` (code-server + Chromium), which runs the same suite.
//
//   node test/integration/launch-electron.mjs [--grep=PATTERN] [--run=multi-root|single-folder]
//
// VSCODE_EXECUTABLE_PATH=/path/to/code skips the download; VSCODE_VERSION picks another version
// (default 1.100.3, the one code-server runs here).
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const TESTS_ENTRY = join(REPO_ROOT, 'out/test/integration/index.js');
const VERSION = process.env.VSCODE_VERSION || '1.100.3';
const DOWNLOAD_TIMEOUT_MS = 3 * 60_000;
const RUN_TIMEOUT_MS = 10 * 60_000;
const RUNS = [
  { name: 'multi-root', suite: 'suite', open: 'suite.code-workspace' },
  { name: 'single-folder', suite: 'single-folder', open: 'basic' },
];
const args = Object.fromEntries(process.argv.slice(2).map(a => a.replace(/^--/, '').split('=')).map(([k, ...v]) => [k, v.join('=') || 'true']));

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, fail) => (timer = setTimeout(() => fail(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms))),
  ]);
}

async function vscodeExecutable(testElectron) {
  if (process.env.VSCODE_EXECUTABLE_PATH) return process.env.VSCODE_EXECUTABLE_PATH;
  console.log(`test-electron: downloading VS Code ${VERSION} (cached in .vscode-test/ after the first time)`);
  try {
    // `timeout` is the download's idle timeout; the outer one bounds the whole step.
    return await withTimeout(testElectron.downloadAndUnzipVSCode({ version: VERSION, timeout: 30_000 }), DOWNLOAD_TIMEOUT_MS, 'The download');
  } catch (err) {
    throw new Error(
      `Could not download VS Code ${VERSION} for @vscode/test-electron: ${err.message}.\n` +
        'This launcher needs to reach the VS Code download server (update.code.visualstudio.com), or a local VS Code given as VSCODE_EXECUTABLE_PATH.\n' +
        'Without network access, run the same suite in code-server instead: npm run test:integration',
    );
  }
}

async function main() {
  if (!existsSync(TESTS_ENTRY)) throw new Error(`Missing ${TESTS_ENTRY}: run \`npm run build && npm run compile\` first.`);
  const testElectron = await import('@vscode/test-electron');
  const vscodeExecutablePath = await vscodeExecutable(testElectron);
  let failed = 0;
  for (const run of RUNS.filter(r => !args.run || r.name === args.run)) {
    const scratch = mkdtempSync(join(tmpdir(), `stagecraft-electron-${run.name}-`));
    try {
      cpSync(join(REPO_ROOT, 'test/fixtures/workspaces'), join(scratch, 'workspaces'), { recursive: true });
      const results = join(scratch, 'results.json');
      const code = await withTimeout(
        testElectron.runTests({
          vscodeExecutablePath,
          extensionDevelopmentPath: REPO_ROOT,
          extensionTestsPath: TESTS_ENTRY,
          extensionTestsEnv: { STAGECRAFT_IT_SUITE: run.suite, STAGECRAFT_IT_RESULTS: results, ...(args.grep ? { STAGECRAFT_IT_GREP: args.grep } : {}) },
          launchArgs: [
            join(scratch, 'workspaces', run.open),
            '--disable-extensions',
            '--disable-workspace-trust',
            '--skip-welcome',
            '--skip-release-notes',
            '--user-data-dir', join(scratch, 'user-data'),
            '--extensions-dir', join(scratch, 'extensions'),
          ],
        }).catch(err => (typeof err === 'number' ? err : Promise.reject(err))),
        RUN_TIMEOUT_MS,
        `The ${run.name} suite`,
      );
      const counts = existsSync(results) ? JSON.parse(readFileSync(results, 'utf8')) : { passed: 0, failed: 1, skipped: 0 };
      console.log(`test-electron ${run.name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped (exit ${code})`);
      if (code !== 0 || counts.failed > 0) failed++;
    } catch (err) {
      console.error(`test-electron ${run.name}: ${err.message}`);
      failed++;
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  return failed === 0 ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (err) {
  console.error(err.message);
  process.exitCode = 1;
}
