// Runs the integration suite inside a real VS Code: code-server 4.100.3 (installed on first use by
// setup-host.mjs) driven through Debian's Chromium, as ../shared/docs/vscode-test-host.md shows.
//
//   node test/integration/runner.mjs [--results=FILE] [--grep=PATTERN] [--run=multi-root|single-folder]
//
// Expects `npm run build` (the extension runs from dist/extension.js) and `npm run compile` (the
// tests run from out/test/integration). Each run opens a fresh temporary copy of
// test/fixtures/workspaces, so tests never touch the committed fixtures. Writes
// { passed, failed, skipped, runs } to FILE, screenshots to test/results/screenshots/, the server's
// and the page's logs to test/results/integration/. Exits 1 when a test failed or a run broke.
//
// Debugging: STAGECRAFT_IT_LOG=trace gives code-server's trace log (file watcher included);
// STAGECRAFT_IT_KEEP=1 keeps the server's temporary user-data folder (its logs/) after the run.
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format } from 'node:util';
import { REPO_ROOT, openBrowser, registerCleanup, startCodeServer, stopAll, withTimeout, workbenchUrl } from './launch-code-server.mjs';
import { servePanelActions } from './panels-ui.mjs';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/workspaces');
const TESTS_ENTRY = join(REPO_ROOT, 'out/test/integration/index.js');
const EXTENSION_BUNDLE = join(REPO_ROOT, 'dist/extension.js');
const RESULTS_DIR = join(REPO_ROOT, 'test/results');
const SCREENSHOTS = join(RESULTS_DIR, 'screenshots');
const LOGS = join(RESULTS_DIR, 'integration');
const RUN_TIMEOUT_MS = 5 * 60_000;

/** Each run opens its own window: the multi-root workspace runs the main suite, one folder the rest. */
const RUNS = [
  { name: 'multi-root', suite: 'suite', open: 'suite.code-workspace' },
  { name: 'single-folder', suite: 'single-folder', open: 'basic' },
];

const args = Object.fromEntries(
  process.argv.slice(2).map(a => {
    const [key, ...value] = a.replace(/^--/, '').split('=');
    return [key, value.join('=') || 'true'];
  }),
);

async function main() {
  const missing = [EXTENSION_BUNDLE, TESTS_ENTRY].filter(f => !existsSync(f));
  if (missing.length > 0) throw new Error(`Missing ${missing.join(' and ')}: run \`npm run build && npm run compile\` first.`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  mkdirSync(LOGS, { recursive: true });

  const totals = { passed: 0, failed: 0, skipped: 0, runs: [] };
  for (const run of RUNS.filter(r => !args.run || r.name === args.run)) {
    const started = Date.now();
    let counts;
    try {
      counts = await runOne(run);
    } catch (err) {
      console.error(`integration ${run.name}: ${err.message}`);
      counts = { passed: 0, failed: 1, skipped: 0, error: err.message };
    }
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    console.log(`integration ${run.name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped (${seconds} s)`);
    totals.passed += counts.passed;
    totals.failed += counts.failed;
    totals.skipped += counts.skipped;
    totals.runs.push({ name: run.name, seconds, ...counts });
  }
  if (args.results) writeFileSync(args.results, JSON.stringify(totals, null, 2) + '\n');
  return totals.failed === 0 && totals.passed > 0 ? 0 : 1;
}

/** One window: a fresh copy of the fixtures, a code-server, a browser page; returns the in-host counts. */
async function runOne(run) {
  const scratch = mkdtempSync(join(tmpdir(), `stagecraft-it-${run.name}-`));
  const cleanScratch = registerCleanup(() => rmSync(scratch, { recursive: true, force: true, maxRetries: 3 }));
  const workspaces = join(scratch, 'workspaces');
  const control = join(scratch, 'control');
  const resultsFile = join(scratch, 'results.json');
  cpSync(FIXTURES, workspaces, { recursive: true });
  mkdirSync(control);

  let server;
  let browser;
  try {
    server = await startCodeServer({
      name: run.name,
      logDir: LOGS,
      env: {
        STAGECRAFT_IT_SUITE: run.suite,
        STAGECRAFT_IT_RESULTS: resultsFile,
        STAGECRAFT_IT_CONTROL: control,
        ...(args.grep ? { STAGECRAFT_IT_GREP: args.grep } : {}),
      },
    });
    browser = await openBrowser({ logFile: join(LOGS, `page-${run.name}.log`), onLog: relayTo(join(LOGS, `host-${run.name}.log`)) });
    const stopScreenshots = serveScreenshots(browser.page, control, run.name);
    // Panel tests act on the webview page itself (typing, clicking) through the browser that runs the workbench.
    const stopPanelActions = servePanelActions(browser.page, control, { screenshots: SCREENSHOTS, runName: run.name });
    const url = workbenchUrl(server.host, join(workspaces, run.open), {
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: TESTS_ENTRY,
      skipWelcome: 'true',
    });
    console.log(`integration ${run.name}: opening ${run.open} in VS Code ${server.host}`);
    await browser.page.goto(url, { timeout: 60_000 });
    let exitCode;
    try {
      const serverDied = server.exited.then(code => {
        throw new Error(`code-server exited (code ${code}) during the run; see ${server.logFile}`);
      });
      serverDied.catch(() => {}); // it also "dies" when stopped at the end; only the race reads it
      exitCode = await withTimeout(Promise.race([browser.exitCode, serverDied]), RUN_TIMEOUT_MS, `the ${run.name} suite in VS Code`);
    } finally {
      await stopScreenshots();
      await stopPanelActions();
    }
    const counts = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : undefined;
    if (!counts) throw new Error(`the suite ended (exit ${exitCode}) without writing its results; see ${LOGS}`);
    if (exitCode !== 0 && counts.failed === 0) counts.failed = 1;
    return { passed: counts.passed, failed: counts.failed, skipped: counts.skipped };
  } catch (err) {
    if (browser) await browser.page.screenshot({ path: join(SCREENSHOTS, `${run.name}-failure.png`) }).catch(() => {});
    throw err;
  } finally {
    await browser?.stop();
    await server?.stop();
    await cleanScratch();
  }
}

/**
 * The workbench relays two things through codeAutomationLog: its own log (connection chatter, and
 * failed look-ups of the extension gallery since there is no network) and the extension host's
 * console, i.e. the tests' mocha report, as console.log arguments. Everything goes to the run's log
 * file; the terminal gets the tests' output without the chatter.
 */
const CHATTER = [
  /ENOTFOUND open-vsx\.org/,
  /^(Resolving|Resolved) connection token/,
  /^Creating a socket/,
  /^Updating additional builtin extensions cache/,
  /^\[Service Worker\]/,
  /^ChatSessionStore:/,
];

function relayTo(logFile) {
  const out = createWriteStream(logFile);
  return (level, args) => {
    const text = (Array.isArray(args) ? format(...args) : String(args)).replace(/\s+$/, '');
    out.write(`[${level}] ${text}\n`);
    if (CHATTER.some(re => re.test(text))) return;
    if (level === 'error') console.error(text);
    else console.log(text);
  };
}

/**
 * Answers screenshot requests from the tests (support/screenshot.ts): shows what the editor shows
 * at that moment, once the requested text is on screen, then deletes the request.
 */
function serveScreenshots(page, control, runName) {
  let busy = Promise.resolve();
  const timer = setInterval(() => {
    busy = busy.then(async () => {
      for (const file of readdirSync(control).filter(f => f.endsWith('.screenshot.json'))) {
        const request = join(control, file);
        const { name, waitForText } = JSON.parse(readFileSync(request, 'utf8'));
        if (waitForText) {
          await page
            .locator('.part.sidebar .monaco-list-row')
            .filter({ hasText: waitForText })
            .first()
            .waitFor({ timeout: 10_000 })
            .catch(() => console.error(`screenshot ${name}: "${waitForText}" did not appear in the side bar`));
        }
        const path = join(SCREENSHOTS, `${runName}-${name}.png`);
        await page.screenshot({ path }).catch(err => console.error(`screenshot ${name}: ${err.message}`));
        console.log(`screenshot: ${path}`);
        rmSync(request, { force: true });
      }
    }).catch(err => console.error(`screenshot: ${err.message}`));
  }, 100);
  return async () => {
    clearInterval(timer);
    await busy;
  };
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(`integration: ${err.message}`);
  if (args.results) writeFileSync(args.results, JSON.stringify({ passed: 0, failed: 1, skipped: 0, error: err.message }, null, 2) + '\n');
} finally {
  await stopAll();
}
process.exit(code);
