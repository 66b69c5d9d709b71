// Runs every suite and ends with one line "N passed, N failed" that CI reads.
//   node test/run-tests.mjs               unit + sample service + integration (real VS Code)
//   node test/run-tests.mjs --unit        unit tests only (plain Node mocha over out/test/unit)
//   node test/run-tests.mjs --faults      fault-injection suites only (out/test/faults: locks, concurrent edits, crashes)
//   node test/run-tests.mjs --integration the suite inside code-server + Chromium
//   node test/run-tests.mjs --install     the packaged .vsix in a fresh code-server and the packed CLI
// Expects `npm run build && npm run compile` first (npm test does that in pretest).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// Tests must never reach beyond this machine: the AWS SDK's credential chain would otherwise probe
// the instance metadata address (169.254.169.254) when a test has no credentials. Every suite,
// and every process it starts (CLI, code-server), inherits this.
process.env.AWS_EC2_METADATA_DISABLED ??= 'true';
// Stagecraft's state (and secrets: no OS keyring in tests) goes to a fresh folder, never the machine's.
if (!process.env.STAGECRAFT_HOME) {
  const { mkdtempSync, chmodSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const home = mkdtempSync(join(tmpdir(), 'sc-state-'));
  process.env.STAGECRAFT_HOME = home;
  chmodSync(home, 0o711);
  const { rmSync } = await import('node:fs');
  const { spawnSync } = await import('node:child_process');
  process.on('exit', () => {
    spawnSync('chmod', ['-R', 'u+w', home]);
    rmSync(home, { recursive: true, force: true });
  });
}
process.env.STAGECRAFT_KEYRING ??= 'off';
const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const only = args.find(a => a === '--unit' || a === '--faults' || a === '--integration' || a === '--install');
const grep = args.find(a => a.startsWith('--grep='))?.slice('--grep='.length);
mkdirSync(join(root, 'test/results'), { recursive: true });

function findFiles(dir, suffix) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(d => d.isFile() && d.name.endsWith(suffix))
    .map(d => join(d.parentPath ?? d.path, d.name))
    .sort();
}

async function runUnit() {
  const Mocha = require('mocha');
  const mocha = new Mocha({ reporter: 'spec', timeout: 60_000, slow: 2_000, grep });
  for (const file of findFiles(join(root, 'out/test/unit'), '.test.js')) mocha.addFile(file);
  const stats = await new Promise(done => {
    const runner = mocha.run(() => done(runner.stats));
  });
  return { name: 'unit', passed: stats.passes, failed: stats.failures, skipped: stats.pending };
}

/** The fault-injection suites (test/faults/): one shared repository and built CLI, real processes killed. */
async function runFaults() {
  const Mocha = require('mocha');
  const mocha = new Mocha({ reporter: 'spec', timeout: 300_000, slow: 10_000, grep });
  for (const file of findFiles(join(root, 'out/test/faults'), '.test.js')) mocha.addFile(file);
  const stats = await new Promise(done => {
    const runner = mocha.run(() => done(runner.stats));
  });
  return { name: 'faults', passed: stats.passes, failed: stats.failures, skipped: stats.pending };
}

function runProcess(command, commandArgs, options = {}) {
  return new Promise(done => {
    let output = '';
    const child = spawn(command, commandArgs, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...options });
    child.stdout.on('data', d => {
      output += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', d => process.stderr.write(d));
    child.on('close', code => done({ code: code ?? 1, output }));
  });
}

/** Each sample service under examples/ has its own node:test suite. */
async function runExamples() {
  const results = { name: 'examples', passed: 0, failed: 0, skipped: 0 };
  if (!existsSync(join(root, 'examples'))) return results;
  for (const dir of readdirSync(join(root, 'examples'), { withFileTypes: true })) {
    const testDir = join(root, 'examples', dir.name, 'test');
    if (!dir.isDirectory() || !existsSync(testDir)) continue;
    const files = findFiles(testDir, '.test.js');
    if (files.length === 0) continue;
    const { code, output } = await runProcess(process.execPath, ['--test', '--test-reporter=tap', ...files], { cwd: join(root, 'examples', dir.name) });
    const count = key => Number(new RegExp(`^# ${key} (\\d+)`, 'm').exec(output)?.[1] ?? 0);
    results.passed += count('pass');
    results.failed += count('fail') + (code !== 0 && count('fail') === 0 ? 1 : 0);
    results.skipped += count('skipped');
  }
  return results;
}

async function runIntegration() {
  const resultFile = join(root, 'test/results/integration.json');
  const { code } = await runProcess(process.execPath, [join(root, 'test/integration/runner.mjs'), `--results=${resultFile}`]);
  let counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    counts = JSON.parse(readFileSync(resultFile, 'utf8'));
  } catch {
    // No result file: the host never ran the suite. Count it as one failure, never as a pass.
  }
  if (code !== 0 && counts.failed === 0) counts.failed = 1;
  return { name: 'integration (real VS Code)', ...counts };
}

/** The packages as users install them (test/install/run.mjs): .vsix contents, the CLI tarball, the installed extension. */
async function runInstall() {
  const resultFile = join(root, 'test/results/install.json');
  const { code } = await runProcess(process.execPath, [join(root, 'test/install/run.mjs'), `--results=${resultFile}`, ...(grep ? [`--grep=${grep}`] : [])]);
  let counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    counts = JSON.parse(readFileSync(resultFile, 'utf8'));
  } catch {
    // No result file: the suite never ran. Count it as one failure, never as a pass.
  }
  if (code !== 0 && counts.failed === 0) counts.failed = 1;
  return { name: 'install (packaged .vsix and CLI)', ...counts };
}

const suites = [];
if (!only || only === '--unit') suites.push(await runUnit());
if (!only || only === '--faults') suites.push(await runFaults());
if (!only) suites.push(await runExamples());
if (!only || only === '--integration') suites.push(await runIntegration());
if (!only || only === '--install') suites.push(await runInstall());

console.log('\nSummary');
for (const s of suites) console.log(`  ${s.name}: ${s.passed} passed, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ''}`);
const passed = suites.reduce((n, s) => n + s.passed, 0);
const failed = suites.reduce((n, s) => n + s.failed, 0);
const skipped = suites.reduce((n, s) => n + (s.skipped ?? 0), 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
// A failed suite can leave a handle behind (a stage or code-server process it started): end now, so a
// red run reports promptly instead of running into CI's time limit.
process.exit(process.exitCode);
