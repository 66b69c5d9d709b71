// Installs the real VS Code the integration tests run in: code-server 4.100.3 (VS Code 1.100.3, the
// newest release that runs on Node 20) into test/integration/host/, never into the extension's own
// dependencies. First use takes about 40 s; afterwards it is a no-op that costs a few stat() calls.
//
//   node test/integration/setup-host.mjs        install if needed, print the code-server entry point
//
// System packages come from .ci/run (apt): libkrb5-dev libsecret-1-dev libxkbfile-dev (headers for the
// native modules code-server builds), ripgrep, chromium, python3/make/g++ (node-gyp).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HOST_DIR = resolve(import.meta.dirname, 'host');
const CODE_SERVER = join(HOST_DIR, 'node_modules/code-server');
export const CODE_SERVER_ENTRY = join(CODE_SERVER, 'out/node/entry.js');
const READY_STAMP = join(HOST_DIR, 'node_modules/.stagecraft-host-ready');
const LOCK_DIR = join(HOST_DIR, '.cache/install.lock');
const INSTALL_LOG = join(HOST_DIR, '.cache/install.log');
const INSTALL_TIMEOUT_MS = 15 * 60_000;

// The native parts code-server's postinstall builds; when one is missing the install is not complete.
const BUILT_FILES = [
  'lib/vscode/node_modules/node-pty/build/Release/pty.node',
  'lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node',
  'lib/vscode/node_modules/@vscode/ripgrep/bin/rg',
  'lib/vscode/node_modules.asar',
];

/** What the stamp records: a change of lock file or Node version means a reinstall. */
function fingerprint() {
  const lock = readFileSync(join(HOST_DIR, 'package-lock.json'));
  return createHash('sha256').update(lock).update(process.version).digest('hex');
}

function isReady() {
  if (!existsSync(READY_STAMP) || !existsSync(CODE_SERVER_ENTRY)) return false;
  if (!BUILT_FILES.every(f => existsSync(join(CODE_SERVER, f)))) return false;
  return readFileSync(READY_STAMP, 'utf8').trim() === fingerprint();
}

/**
 * Makes sure code-server is installed and returns the path of its entry point (run it with `node`).
 * Safe to call from several processes at once: one installs, the others wait for it.
 */
export async function ensureHost({ log = msg => console.log(msg) } = {}) {
  if (isReady()) return CODE_SERVER_ENTRY;
  checkPrerequisites();
  await withInstallLock(async () => {
    if (isReady()) return; // another process finished the install while this one waited
    log(`setup-host: installing code-server 4.100.3 into ${HOST_DIR} (once; about a minute)`);
    const started = Date.now();
    seedRipgrepCache();
    await npmCi(log);
    const missing = BUILT_FILES.filter(f => !existsSync(join(CODE_SERVER, f)));
    if (missing.length > 0) {
      throw new Error(`setup-host: code-server installed but its native parts are missing (${missing.join(', ')}). See ${INSTALL_LOG}.`);
    }
    writeFileSync(READY_STAMP, fingerprint() + '\n');
    log(`setup-host: code-server ready in ${Math.round((Date.now() - started) / 1000)} s`);
  });
  return CODE_SERVER_ENTRY;
}

function checkPrerequisites() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20) {
    throw new Error(`setup-host: code-server 4.100.3 needs Node 20 (this is ${process.version}); newer code-server releases need Node 22+.`);
  }
  const missing = ['rg', 'make', 'g++', 'python3'].filter(cmd => spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0);
  if (missing.length > 0) {
    throw new Error(`setup-host: missing ${missing.join(', ')}. Install the system packages first (.ci/run does): apt-get install -y ripgrep build-essential python3 libkrb5-dev libsecret-1-dev libxkbfile-dev chromium`);
  }
}

/**
 * @vscode/ripgrep (inside code-server) downloads rg from GitHub in its postinstall, but first looks in
 * this cache folder. No network here, so put an archive of Debian's rg where it looks.
 */
function seedRipgrepCache() {
  const dir = join(tmpdir(), 'vscode-ripgrep-cache-1.15.11');
  const archive = join(dir, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz');
  if (existsSync(archive) && statSync(archive).size > 0) return;
  mkdirSync(dir, { recursive: true });
  const rg = spawnSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).stdout.trim();
  const tar = spawnSync('tar', ['czf', archive, '-C', dirname(rg), 'rg'], { encoding: 'utf8' });
  if (tar.status !== 0) throw new Error(`setup-host: could not archive ${rg} into ${archive}: ${tar.stderr}`);
}

/**
 * `npm ci` from the committed lock. As root, code-server's postinstall insists on unsafe-perm and
 * node-pty's runs npx (hence yes=true). The allowScripts field of host/package.json approves the two
 * top-level install scripts (code-server, argon2); the postinstall then runs nested `npm install`s in
 * lib/vscode and lib/vscode/extensions, separate projects that npm 11 runs under its default policy
 * (warn, then run). Strict mode would make those fail, so it is switched off for this install only.
 */
function npmCi(log) {
  mkdirSync(dirname(INSTALL_LOG), { recursive: true });
  const out = createWriteStream(INSTALL_LOG);
  return new Promise((done, fail) => {
    const child = spawn('npm', ['ci', '--no-audit', '--no-fund', '--foreground-scripts'], {
      cwd: HOST_DIR,
      env: { ...process.env, npm_config_unsafe_perm: 'true', npm_config_yes: 'true', npm_config_strict_allow_scripts: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    const timer = setTimeout(() => {
      log(`setup-host: npm ci took more than ${INSTALL_TIMEOUT_MS / 60_000} min; stopping it`);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, INSTALL_TIMEOUT_MS);
    child.on('error', err => {
      clearTimeout(timer);
      fail(err);
    });
    child.on('close', code => {
      clearTimeout(timer);
      out.end(() => {
        if (code === 0) return done();
        const tail = readFileSync(INSTALL_LOG, 'utf8').split('\n').slice(-40).join('\n');
        fail(new Error(`setup-host: npm ci of code-server failed (exit ${code}). Last lines of ${INSTALL_LOG}:\n${tail}`));
      });
    });
  });
}

/** One installer at a time (a directory is created atomically); a lock older than the timeout is stale. */
async function withInstallLock(work) {
  mkdirSync(dirname(LOCK_DIR), { recursive: true });
  const deadline = Date.now() + INSTALL_TIMEOUT_MS + 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      if (Date.now() - statSync(LOCK_DIR).mtimeMs > INSTALL_TIMEOUT_MS) rmSync(LOCK_DIR, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`setup-host: another install holds ${LOCK_DIR}; remove it if no install is running.`);
      else await new Promise(r => setTimeout(r, 1000));
    }
  }
  try {
    await work();
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(await ensureHost());
  } catch (err) {
    console.error(err.message);
    process.exitCode = 1;
  }
}
