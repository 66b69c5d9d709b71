// Starts code-server (VS Code 1.100.3's server) on a free loopback port and opens its workbench in
// Debian's Chromium through playwright-core, as ../shared/docs/vscode-test-host.md describes.
// Shared by runner.mjs (the integration suite) and test/bench/activation.mjs.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureHost } from './setup-host.mjs';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** User settings that keep a test window quiet: no welcome page, no tips, no network look-ups. */
const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'git.autoRepositoryDetection': false,
  'chat.commandCenter.enabled': false,
};

/** Everything started here, so that one call (or Ctrl-C) ends it all. */
const running = new Set();

/** Runs `cleanup` when stopAll() runs (end of run, Ctrl-C); returns a function that runs it now instead. */
export function registerCleanup(cleanup) {
  const once = async () => {
    running.delete(once);
    await cleanup();
  };
  running.add(once);
  return once;
}

export async function stopAll() {
  await Promise.allSettled([...running].map(stop => stop()));
}

let signalsHooked = false;
function hookSignals() {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping code-server and Chromium`);
      void stopAll().finally(() => process.exit(130));
    });
  }
}

/** A port nobody listens on now, on 127.0.0.1 only. */
export function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/**
 * Installs code-server when needed and starts it with throwaway user-data and extensions folders.
 * `env` reaches the extension host (it inherits the server's environment); `extensions` are folders
 * of extra extensions to install; `vsixes` are .vsix files installed the way a user installs one
 * (`code-server --install-extension`); `settings` are added to the user settings.
 * Returns { host, port, logFile, stop(), exited (resolves with the exit code if it stops by itself) }.
 */
export async function startCodeServer({ name, env = {}, settings = {}, extensions = [], vsixes = [], logDir, readyTimeoutMs = 90_000, log = console.log }) {
  hookSignals();
  const entry = await ensureHost({ log });
  const port = await freePort();
  const scratch = mkdtempSync(join(tmpdir(), `stagecraft-code-server-${name}-`));
  mkdirSync(join(scratch, 'user-data/User'), { recursive: true });
  writeFileSync(join(scratch, 'user-data/User/settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2));
  // Extra extensions (folders) are installed by copying them into the extensions folder before start.
  for (const folder of extensions) {
    const { publisher, name: extName, version } = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
    cpSync(folder, join(scratch, 'extensions', `${publisher}.${extName}-${version}`), { recursive: true });
  }
  for (const vsix of vsixes) {
    const installed = spawnSync(process.execPath, [entry, '--install-extension', vsix, '--extensions-dir', join(scratch, 'extensions'), '--user-data-dir', join(scratch, 'user-data')], { encoding: 'utf8', timeout: 120_000 });
    if (installed.status !== 0) throw new Error(`code-server --install-extension ${vsix} failed (${installed.status}):\n${installed.stdout}${installed.stderr}`);
  }
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `code-server-${name}.log`);
  const out = createWriteStream(logFile);
  const args = [
    entry,
    '--auth', 'none',
    ...(process.env.STAGECRAFT_IT_LOG ? ['--log', process.env.STAGECRAFT_IT_LOG] : []),
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--config', join(scratch, 'config.yaml'), // else it writes ~/.config/code-server/config.yaml
    '--user-data-dir', join(scratch, 'user-data'),
    '--extensions-dir', join(scratch, 'extensions'),
  ];
  // detached: its own process group, so stop() ends the server and every process it forked.
  const child = spawn(process.execPath, args, {
    cwd: scratch,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout.pipe(out, { end: false });
  child.stderr.pipe(out, { end: false });
  let exited = false;
  const exit = new Promise(done => child.on('exit', code => { exited = true; done(code); }));

  const stop = async () => {
    running.delete(stop);
    if (!exited) {
      try { process.kill(-child.pid, 'SIGTERM'); } catch {}
      const killed = await Promise.race([exit.then(() => true), delay(5000).then(() => false)]);
      if (!killed) try { process.kill(-child.pid, 'SIGKILL'); } catch {}
    }
    // Forked helpers (extension host, pty host) share the group; make sure none outlives us.
    try { process.kill(-child.pid, 'SIGKILL'); } catch {}
    out.end();
    if (!process.env.STAGECRAFT_IT_KEEP) rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
  };
  running.add(stop);

  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`code-server exited before it was ready. Last lines of ${logFile}:\n${tail(logFile)}`);
    }
    if (await isHealthy(host)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer /healthz within ${readyTimeoutMs / 1000} s. Last lines of ${logFile}:\n${tail(logFile)}`);
    }
    await delay(200);
  }
  return { host, port, logFile, stop, exited: exit, extensionsDir: join(scratch, 'extensions') };
}

async function isHealthy(host) {
  try {
    const res = await fetch(`http://${host}/healthz`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Workbench URL that opens `target` (a folder, or a .code-workspace file) with the given payload.
 * Payload values that are arrays give one entry each (e.g. several extensionDevelopmentPath).
 */
export function workbenchUrl(host, target, payload) {
  const open = target.endsWith('.code-workspace') ? `workspace=${encodeURIComponent(target)}` : `folder=${encodeURIComponent(target)}`;
  const remote = new Set(['extensionDevelopmentPath', 'extensionTestsPath']);
  const pairs = Object.entries(payload).flatMap(([key, value]) =>
    [value].flat().map(v => [key, remote.has(key) ? `vscode-remote://${host}${v}` : v]),
  );
  return `http://${host}/?${open}&payload=${encodeURIComponent(JSON.stringify(pairs))}`;
}

/**
 * Launches Chromium and returns { browser, page, stop() }. `onLog(level, text)` receives the
 * extension host's console (relayed by the workbench through codeAutomationLog); `exitCode` resolves
 * with what the test entry point's run() gave: 0 resolved, 1 rejected.
 */
export async function openBrowser({ logFile, onLog = () => {} }) {
  hookSignals();
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
  const stop = async () => {
    running.delete(stop);
    await Promise.race([browser.close().catch(() => {}), delay(10_000)]);
  };
  running.add(stop);
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const pageLog = logFile ? createWriteStream(logFile) : undefined;
  page.on('console', msg => pageLog?.write(`[page ${msg.type()}] ${msg.text()}\n`));
  page.on('pageerror', err => pageLog?.write(`[page error] ${err.stack ?? err}\n`));
  let exitWith;
  const exitCode = new Promise(done => (exitWith = done));
  await page.exposeFunction('codeAutomationExit', code => exitWith(code));
  // A crashed page or browser never calls codeAutomationExit: fail now rather than at the timeout.
  page.on('crash', () => {
    console.error('Chromium: the workbench page crashed');
    exitWith(1);
  });
  browser.on('disconnected', () => exitWith(1));
  await page.exposeFunction('codeAutomationLog', (level, args) => onLog(level, args));
  return { browser, context, page, exitCode, stop };
}

/** Resolves `promise`, or rejects after `ms` with a message that names what was awaited. */
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, fail) => (timer = setTimeout(() => fail(new Error(`${what}: no answer within ${Math.round(ms / 1000)} s`)), ms))),
  ]);
}

export function delay(ms) {
  return new Promise(done => setTimeout(done, ms));
}

function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

