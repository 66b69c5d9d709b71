// The stage lock's cost (issue 20): what taking and releasing a stage's lease costs, against the
// duration of a real uncontended deploy of the sample service through the CLI. Target: ≤ 1 %.
// A deploy takes the lock once per stage (its deploy→promote section), so its overhead is one
// acquire+release over the whole deploy; the deploy figure already includes that one lease.
//   node test/bench/stage-lock.mjs [--cycles 500]
// Needs `npm run build && npm run compile` (dist/cli.js, out/src/core/stageLock.js).
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const { acquireStageLock } = require(path.join(root, 'out/src/core/stageLock.js'));
const CLI = path.join(root, 'dist', 'cli.js');
const SAMPLE = path.join(root, 'examples', 'sample-service');
const i = process.argv.indexOf('--cycles');
const cycles = i > 0 ? Number(process.argv[i + 1]) : 500;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// ——— 1. one acquire + release of an uncontended stage lease ———
const scratch = mkdtempSync(path.join(os.tmpdir(), 'sc-bench-lock-'));
const times = [];
for (let n = 0; n < cycles; n++) {
  const started = performance.now();
  const lease = await acquireStageLock(scratch, 'dev', { action: 'deploying dev', runId: `bench-${n}` });
  await lease.release();
  times.push(performance.now() - started);
}
rmSync(scratch, { recursive: true, force: true });
times.sort((a, b) => a - b);
const median = percentile(times, 50);
console.log(`stage lease, uncontended: median ${median.toFixed(3)} ms, p95 ${percentile(times, 95).toFixed(3)} ms over ${cycles} acquire+release cycles`);

// ——— 2. a real uncontended deploy (second one: dependencies and artifact cached) ———
const repo = mkdtempSync(path.join(os.tmpdir(), 'sc-bench-lockdeploy-'));
chmodSync(repo, 0o755);
cpSync(SAMPLE, repo, { recursive: true, filter: src => !/[\\/](node_modules|\.stagecraft)([\\/]|$)/.test(path.relative(SAMPLE, src)) });
writeFileSync(path.join(repo, 'stagecraft.yaml'), 'stack: bench\nservice:\n  dockerfile: Dockerfile\n  port: 8080\n  healthCheck: /health\nstages:\n  - name: dev\n    provider: local\n');
writeFileSync(path.join(repo, '.gitignore'), 'node_modules/\n.stagecraft/\n');
const git = (...args) => spawnSync('git', args, { cwd: repo, encoding: 'utf8' });
git('init', '-q', '-b', 'main');
git('-c', 'user.name=Bench', '-c', 'user.email=bench@example.invalid', 'add', '-A');
git('-c', 'user.name=Bench', '-c', 'user.email=bench@example.invalid', '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'bench');
const cli = args => spawnSync(process.execPath, [CLI, ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
try {
  const warm = cli(['deploy', 'dev', '--auto-approve']);
  if (warm.status !== 0) throw new Error(`the first deploy failed:\n${warm.stdout}${warm.stderr}`);
  const started = performance.now();
  const timed = cli(['deploy', 'dev', '--auto-approve']);
  const deployMs = performance.now() - started;
  if (timed.status !== 0) throw new Error(`the timed deploy failed:\n${timed.stdout}${timed.stderr}`);
  const overhead = (median / deployMs) * 100;
  console.log(`uncontended deploy of the sample service: ${(deployMs / 1000).toFixed(2)} s (CLI start to exit)`);
  console.log(`lock overhead: ${median.toFixed(3)} ms of ${deployMs.toFixed(0)} ms = ${overhead.toFixed(4)} % (target ≤ 1 %: ${overhead <= 1 ? 'met' : 'NOT met'})`);
  if (overhead > 1) process.exitCode = 1;
} finally {
  cli(['destroy', 'dev', '--force']);
  spawnSync('chmod', ['-R', 'u+w', repo]);
  rmSync(repo, { recursive: true, force: true });
}
