// Artifacts and disk through the real CLI (dist/cli.js), on a copy of the sample service with one
// local stage. Targets (issue 13):
//   after 20 commits and runs, artifacts on disk ≤ keep (default 5) + stages;
//   an unchanged tree at a new commit reuses its artifact (run time with reuse vs with a build).
//   node test/bench/artifacts.mjs [--commits 20] [--keep 5]
// Needs `npm run build`. State goes to a temporary STAGECRAFT_HOME, removed at the end with the stage.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, lstatSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(root, 'dist', 'cli.js');
const SAMPLE = path.join(root, 'examples', 'sample-service');
const STACK = `stack: bench
service:
  dockerfile: Dockerfile
  port: 8080
  healthCheck: /health
stages:
  - name: dev
    provider: local
`;

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const commits = option('commits', 20);
const keep = option('keep', 5);
const home = mkdtempSync(path.join(os.tmpdir(), 'sc-bench-state-'));
chmodSync(home, 0o711);
const env = { ...process.env, STAGECRAFT_HOME: home, STAGECRAFT_KEEP: String(keep), STAGECRAFT_KEYRING: 'off', NO_COLOR: '1' };
const dir = mkdtempSync(path.join(os.tmpdir(), 'sc-bench-artifacts-'));
chmodSync(dir, 0o755);
try {
  cpSync(SAMPLE, dir, { recursive: true, filter: src => !/[\\/](node_modules|\.stagecraft)$/.test(src) });
  // One fast test keeps every run's unit-test step short; the figures are about artifacts.
  for (const f of readdirSync(path.join(dir, 'test'))) if (f !== 'config.test.js') rmSync(path.join(dir, 'test', f));
  writeFileSync(path.join(dir, 'stagecraft.yaml'), STACK);
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Bench');
  git('config', 'user.email', 'bench@example.invalid');
  git('add', '-A');
  git('commit', '-q', '-m', 'sample');
  console.log(`artifacts benchmark in ${dir}, state in ${home} (keep ${keep}; load average ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} cores)`);

  const first = await run('first run (cold caches)');
  const built = [];
  const reused = [];
  for (let i = 1; i <= commits; i++) {
    // Odd commits change the code (a new artifact); even ones only the commit (same tree: reuse).
    if (i % 2 === 1) {
      const file = path.join(dir, 'src', 'log.js');
      writeFileSync(file, `${readFileSync(file, 'utf8')}// benchmark change ${i}\n`);
      git('commit', '-q', '-am', `change ${i}`);
    } else {
      git('commit', '-q', '--allow-empty', '-m', `no change ${i}`);
    }
    const r = await run(`commit ${i}`);
    (r.reused ? reused : built).push(r);
  }
  const artifactsDir = path.join(home, readdirSync(home)[0], 'artifacts');
  const artifacts = readdirSync(artifactsDir).filter(n => /^[0-9a-f]{64}$/.test(n));
  const bytes = artifacts.reduce((n, a) => n + treeSize(path.join(artifactsDir, a)), 0);
  const stateBytes = treeSize(path.join(home, readdirSync(home)[0]));
  const target = keep + 1;
  console.log(`\nafter ${commits} commits and runs: ${artifacts.length} artifacts on disk, ${mb(bytes)} (target ≤ ${target} = keep ${keep} + 1 stage: ${artifacts.length <= target ? 'met' : 'NOT met'})`);
  console.log(`whole state folder: ${mb(stateBytes)}; run records kept: ${readdirSync(path.join(home, readdirSync(home)[0], 'runs')).length}`);
  const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  console.log(`\nrun time, median of each kind (first run ${sec(first.ms)}):`);
  console.log(`  unchanged tree, new commit (artifact reused): ${sec(median(reused.map(r => r.ms)))} whole run, artifact step ${sec(median(reused.map(r => r.artifactMs)))}  (${reused.length} runs)`);
  console.log(`  changed tree (artifact built):                ${sec(median(built.map(r => r.ms)))} whole run, artifact step ${sec(median(built.map(r => r.artifactMs)))}  (${built.length} runs)`);
  const allReused = reused.length === Math.floor(commits / 2);
  console.log(`every unchanged tree reused its artifact: ${allReused ? 'yes' : 'NO'}`);
  if (!allReused || artifacts.length > target) process.exitCode = 1;
} finally {
  await cli(['destroy', 'dev', '--force']);
  for (const pid of processesUnder([dir, home])) {
    try {
      process.kill(pid, 'SIGKILL');
      console.log(`killed leftover pid ${pid}`);
    } catch {
      // gone
    }
  }
  for (const d of [dir, home]) {
    spawnSync('chmod', ['-R', 'u+w', d]);
    rmSync(d, { recursive: true, force: true });
  }
}

async function run(label) {
  const t0 = performance.now();
  const r = await cli(['pipeline', 'run', '--stage', 'dev', '--json']);
  const ms = performance.now() - t0;
  if (r.code !== 0) throw new Error(`${label}: the run failed:\n${r.stderr}\n${r.stdout.slice(-3000)}`);
  const record = JSON.parse(r.stdout);
  const step = record.steps.find(s => s.kind === 'artifact');
  const wasReused = /^reused artifact/.test(step?.summary ?? '');
  console.log(`${label.padEnd(26)} ${sec(ms).padStart(7)}  artifact ${wasReused ? 'reused' : 'built '} in ${sec(step?.durationMs ?? 0)}`);
  return { ms, artifactMs: step?.durationMs ?? 0, reused: wasReused };
}

function git(...args) {
  const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

function cli(args) {
  return new Promise(resolve => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    child.on('close', code => resolve({ code, stdout, stderr }));
  });
}

function treeSize(p) {
  const st = lstatSync(p);
  if (st.isDirectory()) return readdirSync(p).reduce((n, name) => n + treeSize(path.join(p, name)), 0);
  return st.isFile() ? st.size : 0;
}

function processesUnder(dirs) {
  const found = [];
  for (const name of readdirSync('/proc').filter(n => /^\d+$/.test(n))) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // not readable
      }
      if (dirs.some(d => cmd.includes(d) || cwd.startsWith(d))) found.push(pid);
    } catch {
      // ended
    }
  }
  return found;
}

function sec(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

function mb(n) {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
