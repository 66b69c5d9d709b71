// The extension as users install it: the linux-x64 .vsix installed into code-server with a fresh
// extensions folder and user-data folder (`--install-extension`, no extensionDevelopmentPath),
// driven only through the UI in Chromium. On a fresh git repository made from the sample service
// (without its stagecraft.yaml) the Get Started walkthrough creates the stack file (step 1), dev is
// given a database, the walkthrough runs the pipeline (step 2); dev's database route then answers
// over HTTP, and a VS Code terminal finds `stagecraft` on PATH.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, promisify } from 'node:util';
import { openBrowser, startCodeServer, workbenchUrl } from '../integration/launch-code-server.mjs';
import { REPO_ROOT, artifacts } from './artifacts.mjs';
import { checkDatabaseRoute, sampleRepo } from './sample.mjs';

const run = promisify(execFile);
const RESULTS = join(REPO_ROOT, 'test/results/install');

describe('install: the linux-x64 .vsix in a fresh code-server', function () {
  this.timeout(600_000);
  // Each step needs the one before it: stop at the first failure instead of waiting out the rest.
  this.bail(true);
  let server;
  let browser;
  let page;
  let repo;
  let extensionDir;
  let scratch;

  /** The installed extension's own CLI, to read state the way a user's terminal would. */
  const status = async () => {
    const { stdout } = await run(process.execPath, [join(extensionDir, 'dist/cli.js'), 'status', '--json'], { cwd: repo.dir });
    return Object.fromEntries(JSON.parse(stdout).stages.map(s => [s.name, s]));
  };

  before(async () => {
    const { linuxVsix } = artifacts();
    mkdirSync(RESULTS, { recursive: true });
    scratch = mkdtempSync(join(tmpdir(), 'stagecraft-install-ui-'));
    server = await startCodeServer({ name: 'install', vsixes: [linuxVsix], logDir: RESULTS });
    const installed = readdirSync(server.extensionsDir).filter(d => d.startsWith('stagecraft.stagecraft-'));
    assert.equal(installed.length, 1, `installed: ${readdirSync(server.extensionsDir).join(', ')}`);
    extensionDir = join(server.extensionsDir, installed[0]);
    repo = sampleRepo({ withStackFile: false });
    // Create Stack writes a GitFlow stack: develop is the branch that releases to dev.
    repo.git('checkout', '-q', '-b', 'develop');
    const hostLog = createWriteStream(join(RESULTS, 'host-install.log'));
    browser = await openBrowser({ logFile: join(RESULTS, 'page-install.log'), onLog: (level, args) => hostLog.write(`[${level}] ${Array.isArray(args) ? format(...args) : args}\n`) });
    page = browser.page;
    await page.goto(workbenchUrl(server.host, repo.dir, {}), { timeout: 60_000 });
    // The installed extension's contributions have reached the workbench once its view container shows.
    await page.locator('.activitybar [aria-label^="Stagecraft"]').first().waitFor({ timeout: 60_000 });
  });

  after(async () => {
    if (page) await page.screenshot({ path: join(RESULTS, 'installed-extension-last.png') }).catch(() => {});
    if (repo && extensionDir) {
      for (const stage of ['dev', 'test', 'prod']) {
        await run(process.execPath, [join(extensionDir, 'dist/cli.js'), 'destroy', stage, '--force'], { cwd: repo.dir }).catch(err => console.log(`      cleanup: destroy ${stage}: ${err.message}`));
      }
    }
    await browser?.stop();
    await server?.stop();
    repo?.remove();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('is installed from the .vsix with its PostgreSQL and no development files', () => {
    assert.ok(existsSync(join(extensionDir, 'dist/extension.js')));
    assert.ok(existsSync(join(extensionDir, 'postgres/native/bin/pg_ctl')));
    assert.ok(!existsSync(join(extensionDir, 'node_modules')));
    assert.ok(!existsSync(join(extensionDir, 'src')));
  });

  it('walkthrough step 1 creates the stack file', async () => {
    await openWalkthrough(page);
    await clickStepButton(page, 'Create the stack file', 'Create Stack');
    // Create Stack asks for the stack's name, prefilled from package.json: accept it.
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 30_000 });
    assert.equal(await input.inputValue(), 'sample-service');
    await page.keyboard.press('Enter');
    const file = join(repo.dir, 'stagecraft.yaml');
    await waitFor('stagecraft.yaml created', () => existsSync(file), 30_000);
    assert.match(readFileSync(file, 'utf8'), /^stack: sample-service$/m);
    await page.screenshot({ path: join(RESULTS, 'walkthrough-step1.png') });
  });

  it('walkthrough step 2 runs the pipeline; dev (with its own PostgreSQL) answers its database route', async () => {
    // The developer gives dev a database, as the step's text shows, and commits the stack file.
    const file = join(repo.dir, 'stagecraft.yaml');
    const text = readFileSync(file, 'utf8');
    const withDatabase = text.replace(/(- name: dev\n(\s+)provider: local[^\n]*\n)/, '$1$2database: postgres\n');
    assert.notEqual(withDatabase, text, 'the dev stage of the scaffolded file');
    writeFileSync(file, withDatabase);
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'release with Stagecraft');

    await openWalkthrough(page);
    await clickStepButton(page, 'Run the pipeline locally', 'Run Pipeline');
    const dev = await waitFor(
      'dev healthy at the committed HEAD',
      async () => {
        const s = (await status().catch(() => undefined))?.dev;
        return s?.status === 'healthy' && s.commit === repo.git('rev-parse', 'HEAD') ? s : undefined;
      },
      300_000,
    );
    const { created, items, info } = await checkDatabaseRoute(dev.url, 'from the installed extension');
    assert.equal(created.name, 'from the installed extension');
    assert.ok(items.items.some(i => i.name === 'from the installed extension'), JSON.stringify(items));
    assert.equal(info.database, 'postgres');
    assert.equal(info.stage, 'dev');
  });

  it('a VS Code terminal has the bundled `stagecraft` on PATH', async () => {
    const out = join(scratch, 'terminal-version.txt');
    await runCommand(page, 'Terminal: Create New Terminal');
    const terminal = page.locator('.terminal-wrapper.active .xterm').first();
    await terminal.waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1000); // the shell's prompt
    await terminal.click();
    await page.keyboard.type(`stagecraft --version > ${out} 2>&1; command -v stagecraft >> ${out}; echo end >> ${out}\n`);
    await waitFor('the terminal ran stagecraft', () => existsSync(out) && readFileSync(out, 'utf8').includes('end\n'), 30_000);
    const [version, where] = readFileSync(out, 'utf8').split('\n');
    assert.equal(version, JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version);
    assert.match(where, /\/bin\/stagecraft$/);
  });
});

/** Runs a command through the command palette (F1), as a person would. */
async function runCommand(page, title) {
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: title }).first();
  // The palette lists what was registered when it opened: reopen it until the command is there.
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    await input.waitFor({ timeout: 15_000 });
    await input.fill(`>${title}`);
    const found = await row.waitFor({ timeout: 5_000 }).then(() => true, () => false);
    if (found) break;
    if (attempt === 6) throw new Error(`the command palette has no "${title}"`);
  }
  await page.keyboard.press('Enter');
}

async function openWalkthrough(page) {
  await runCommand(page, 'Stagecraft: Get Started');
  await page.locator('.gettingStartedContainer').getByText('Get started with Stagecraft').first().waitFor({ timeout: 30_000 });
}

/** Expands the walkthrough step titled `step` and clicks its command button `label`. */
async function clickStepButton(page, step, label) {
  const container = page.locator('.gettingStartedContainer');
  await container.locator('.getting-started-step').filter({ hasText: step }).first().click();
  const button = container.locator('.getting-started-step.expanded').getByRole('button', { name: label, exact: true });
  await button.first().click({ timeout: 15_000 });
}

async function waitFor(what, test, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await test();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise(r => setTimeout(r, 500));
  }
}
