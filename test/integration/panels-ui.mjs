// Acts on Stagecraft's webview panels from outside the editor, with playwright, for the in-host
// tests in suite/panels*.test.ts: they cannot reach the page themselves (webviews are two nested
// iframes in the workbench page), so they write a request file and this answers it.
//
// 1. As a module for runner.mjs, next to its screenshot server:
//      import { servePanelActions } from './panels-ui.mjs';
//      const stopPanelActions = servePanelActions(browser.page, control, { screenshots: SCREENSHOTS, runName: run.name });
//      …  finally { await stopPanelActions(); }
// 2. On its own (code-server + Chromium + only the panel tests of the multi-root suite):
//      node test/integration/panels-ui.mjs [--grep=PATTERN]
//
// A request is `<control>/<name>.page.json` = { panel, steps: [...] }; the answer is
// `<control>/<name>.page.result.json` = { ok, error?, texts, counts, focused }. Steps run in the
// frame whose <body data-panel> is `panel`, looked up anew for each step (`panel: 'workbench'` is the
// workbench page itself, for VS Code's own modal dialogs and notifications):
//   { waitFor: sel }                       the element is visible
//   { fill: sel, value }                   sets an input's value (fires input events)
//   { type: sel, text }                    focuses and types key by key
//   { press: key }                         a key on whatever has focus (Tab, Enter, Space, …)
//   { click: sel }
//   { waitForText: sel, text }             the element's text contains `text`
//   { waitForNotText: sel, text }          the element's text no longer contains `text`
//   { text: sel, as }                      records textContent under `as`
//   { count: sel, as }                     records how many elements match
//   { value: sel, as }                     records an input's value
//   { focused: as }                        records the focused element's id (or tag)
//   { tabUntil: id, as }                   presses Tab until `id` has focus (at most 30 times), recording each id
//   { screenshot: name }                   the whole workbench, to <screenshots>/<run>-panel-<name>.png
//   { evaluate: expression, as }           records String(value of a JS expression in the frame) under `as`
//   { until: expression }                  waits until a JS expression in the frame is truthy
//   { cspViolations: as }                  records the CSP violations the browser logged so far (any frame), one a line
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { format } from 'node:util';
import { join } from 'node:path';

// Generous: the machines these run on are shared, and a save goes through the whole editor.
const STEP_TIMEOUT_MS = 20_000;

export function servePanelActions(page, control, { screenshots, runName = 'run' } = {}) {
  mkdirSync(screenshots, { recursive: true });
  // Tells the in-host tests that page actions are served (without it they skip those tests).
  writeFileSync(join(control, 'panel-actions.ready'), String(process.pid));
  // Every CSP violation any frame reports on the console (webview pages included), for { cspViolations }.
  const violations = [];
  const onConsole = message => {
    if (/violates the following Content Security Policy directive/.test(message.text())) violations.push(message.text());
  };
  page.on('console', onConsole);
  let busy = Promise.resolve();
  const timer = setInterval(() => {
    busy = busy
      .then(async () => {
        for (const file of readdirSync(control).filter(f => f.endsWith('.page.json'))) {
          const request = join(control, file);
          const name = file.slice(0, -'.page.json'.length);
          let result;
          try {
            const { panel, steps } = JSON.parse(readFileSync(request, 'utf8'));
            result = await runSteps(page, panel, steps, { screenshots, runName, violations });
          } catch (err) {
            result = { ok: false, error: err.message.split('\n')[0] };
          }
          const answer = join(control, `${name}.page.result.json`);
          writeFileSync(`${answer}.part`, JSON.stringify(result));
          renameSync(`${answer}.part`, answer);
          rmSync(request, { force: true });
        }
      })
      .catch(err => console.error(`panel actions: ${err.message}`));
  }, 50);
  return async () => {
    clearInterval(timer);
    await busy;
    page.off('console', onConsole);
    rmSync(join(control, 'panel-actions.ready'), { force: true });
  };
}

async function runSteps(page, panel, steps, { screenshots, runName, violations = [] }) {
  const out = { ok: true, texts: {}, counts: {}, focused: {} };
  for (const [i, step] of steps.entries()) {
    try {
      await runStep(page, panel, step, out, { screenshots, runName, violations });
    } catch (err) {
      return { ...out, ok: false, error: `step ${i + 1} ${JSON.stringify(step)}: ${err.message.split('\n')[0]}` };
    }
  }
  return out;
}

async function runStep(page, panel, step, out, { screenshots, runName, violations }) {
  if (step.cspViolations) {
    out.texts[step.cspViolations] = violations.join('\n');
    return;
  }
  if (step.press) {
    await findFrame(page, panel);
    return page.keyboard.press(step.press);
  }
  if (step.tabUntil) {
    const frame = await findFrame(page, panel);
    const seen = [];
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Tab');
      const id = await frame.evaluate(() => document.activeElement?.id || document.activeElement?.tagName.toLowerCase() || '');
      seen.push(id);
      if (id === step.tabUntil) break;
    }
    out.texts[step.as] = seen.join(' ');
    if (seen[seen.length - 1] !== step.tabUntil) throw new Error(`Tab never reached #${step.tabUntil} (went through: ${seen.join(' ')})`);
    return;
  }
  if (step.screenshot) {
    await findFrame(page, panel);
    const path = join(screenshots, `${runName}-panel-${step.screenshot}.png`);
    await page.screenshot({ path });
    console.log(`screenshot: ${path}`);
    return;
  }
  const frame = await findFrame(page, panel);
  if (step.waitFor) return frame.locator(step.waitFor).first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  if (step.fill) return frame.locator(step.fill).first().fill(step.value, { timeout: STEP_TIMEOUT_MS });
  if (step.type) {
    const target = frame.locator(step.type).first();
    await target.click({ timeout: STEP_TIMEOUT_MS });
    return target.pressSequentially(step.text, { delay: 5, timeout: STEP_TIMEOUT_MS });
  }
  if (step.click) return frame.locator(step.click).first().click({ timeout: STEP_TIMEOUT_MS });
  if (step.waitForText) {
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    let last = '';
    while (Date.now() < deadline) {
      last = (await frame.locator(step.waitForText).first().textContent({ timeout: STEP_TIMEOUT_MS }).catch(() => '')) ?? '';
      if (last.includes(step.text)) return;
      await delay(50);
    }
    throw new Error(`"${step.text}" did not appear in ${step.waitForText} (last: "${last}")`);
  }
  if (step.waitForNotText) {
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    let last = '';
    while (Date.now() < deadline) {
      last = (await frame.locator(step.waitForNotText).first().textContent({ timeout: STEP_TIMEOUT_MS }).catch(() => '')) ?? '';
      if (!last.includes(step.text)) return;
      await delay(50);
    }
    throw new Error(`"${step.text}" stayed in ${step.waitForNotText}`);
  }
  if (step.text) {
    out.texts[step.as] = (await frame.locator(step.text).first().textContent({ timeout: STEP_TIMEOUT_MS })) ?? '';
    return;
  }
  if (step.value) {
    out.texts[step.as] = await frame.locator(step.value).first().inputValue({ timeout: STEP_TIMEOUT_MS });
    return;
  }
  if (step.evaluate) {
    out.texts[step.as] = String(await frame.evaluate(step.evaluate));
    return;
  }
  if (step.until) {
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    while (!(await frame.evaluate(step.until).catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`still false after ${STEP_TIMEOUT_MS} ms: ${step.until}`);
      await delay(50);
    }
    return;
  }
  if (step.count) {
    out.counts[step.as] = await frame.locator(step.count).count();
    return;
  }
  if (step.focused) {
    out.focused[step.focused] = await frame.evaluate(() => {
      const el = document.activeElement;
      return el ? el.id || el.tagName.toLowerCase() : '';
    });
    return;
  }
  throw new Error('unknown step');
}

/** The webview frame showing `panel` (its <body data-panel>); panels reload when shown again, so look each time. */
async function findFrame(page, panel) {
  if (panel === 'workbench') return page.mainFrame();
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame.isDetached()) continue;
      const kind = await frame.evaluate(() => document.body?.dataset.panel ?? null).catch(() => null);
      if (kind === panel) return frame;
    }
    if (Date.now() > deadline) throw new Error(`no ${panel} panel is showing`);
    await delay(50);
  }
}

function delay(ms) {
  return new Promise(done => setTimeout(done, ms));
}

/** Standalone: the multi-root suite's panel tests in their own code-server, page actions and screenshots served here. */
async function main() {
  const { REPO_ROOT, openBrowser, registerCleanup, startCodeServer, stopAll, withTimeout, workbenchUrl } = await import('./launch-code-server.mjs');
  const grep = process.argv.find(a => a.startsWith('--grep='))?.slice('--grep='.length) ?? 'Panels';
  const testsEntry = join(REPO_ROOT, 'out/test/integration/index.js');
  if (!existsSync(join(REPO_ROOT, 'dist/extension.js')) || !existsSync(testsEntry)) throw new Error('run `npm run build && npm run compile` first');
  const scratch = mkdtempSync(join(tmpdir(), 'stagecraft-panels-ui-'));
  registerCleanup(() => rmSync(scratch, { recursive: true, force: true, maxRetries: 3 }));
  const control = join(scratch, 'control');
  const results = join(scratch, 'results.json');
  mkdirSync(control);
  rmSync(join(scratch, 'workspaces'), { recursive: true, force: true });
  const { cpSync } = await import('node:fs');
  cpSync(join(REPO_ROOT, 'test/fixtures/workspaces'), join(scratch, 'workspaces'), { recursive: true });
  const logs = join(REPO_ROOT, 'test/results/integration');
  try {
    const server = await startCodeServer({
      name: 'panels-ui',
      logDir: logs,
      env: { STAGECRAFT_IT_SUITE: 'suite', STAGECRAFT_IT_RESULTS: results, STAGECRAFT_IT_CONTROL: control, STAGECRAFT_IT_GREP: grep },
    });
    const browser = await openBrowser({ logFile: join(logs, 'page-panels-ui.log'), onLog: (_level, args) => console.log((Array.isArray(args) ? format(...args) : String(args)).replace(/\s+$/, '')) });
    const stop = servePanelActions(browser.page, control, { screenshots: join(REPO_ROOT, 'test/results/screenshots'), runName: 'panels' });
    await browser.page.goto(workbenchUrl(server.host, join(scratch, 'workspaces/suite.code-workspace'), { extensionDevelopmentPath: REPO_ROOT, extensionTestsPath: testsEntry, skipWelcome: 'true' }), { timeout: 60_000 });
    const code = await withTimeout(browser.exitCode, 5 * 60_000, 'the panel tests in VS Code');
    await stop();
    const counts = existsSync(results) ? JSON.parse(readFileSync(results, 'utf8')) : { passed: 0, failed: 1, skipped: 0 };
    console.log(`panels-ui: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
    return code === 0 && counts.failed === 0 && counts.passed > 0 ? 0 : 1;
  } finally {
    await stopAll();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    code => process.exit(code),
    err => {
      console.error(`panels-ui: ${err.message}`);
      process.exit(1);
    },
  );
}
