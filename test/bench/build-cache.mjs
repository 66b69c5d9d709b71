// Commit → dev serving for a TypeScript multi-stage service with ~150 npm packages, through the real
// CLI (dist/cli.js), cold (empty state folder: no artifact, no build cache) and warm (the next commit
// changes only code: the lockfile is unchanged, so `npm ci` comes from the build cache). Issue 14
// targets: cold ≤ 40 s, warm ≤ 10 s; prints the ratio warm/cold.
//   node test/bench/build-cache.mjs
// Needs `npm run build` and the npm registry (or its cache) for the service's dependencies.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(root, 'dist', 'cli.js');
const FIXTURE = path.join(root, 'test', 'fixtures', 'services', 'ts-multistage');
// Real dependencies of an Express/TypeScript API; with their own dependencies about 150 packages.
const DEPENDENCIES = { express: '^4.19.2', pg: '^8.11.0', zod: '^3.23.0', winston: '^3.13.0', helmet: '^7.1.0', cors: '^2.8.5', dotenv: '^16.4.0', jsonwebtoken: '^9.0.2', 'date-fns': '^3.6.0', uuid: '^9.0.1' };
const DEV_DEPENDENCIES = { typescript: '^5.4.0', '@types/node': '^20.11.0', '@types/express': '^4.17.21', '@types/cors': '^2.8.17', '@types/jsonwebtoken': '^9.0.6' };

const dir = mkdtempSync(path.join(os.tmpdir(), 'sc-bench-cache-'));
chmodSync(dir, 0o755);
// Its own state folder (artifacts, build cache, runs), removed at the end: nothing left behind.
const home = mkdtempSync(path.join(os.tmpdir(), 'sc-bench-cache-state-'));
chmodSync(home, 0o755);
const env = { ...process.env, NO_COLOR: '1', STAGECRAFT_HOME: home };
const sh = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', env, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
};
const seconds = ms => (ms / 1000).toFixed(1);

try {
  cpSync(FIXTURE, dir, { recursive: true });
  const pkg = { name: 'bench-api', version: '1.0.0', private: true, scripts: { build: 'tsc -p tsconfig.json', start: 'node dist/server.js' }, dependencies: DEPENDENCIES, devDependencies: DEV_DEPENDENCIES };
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  rmSync(path.join(dir, 'package-lock.json'));
  sh('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund']);
  const lock = JSON.parse(sh('cat', ['package-lock.json']));
  const packages = Object.keys(lock.packages).filter(p => p).length;
  sh('git', ['init', '-q', '-b', 'main']);
  sh('git', ['config', 'user.name', 'Bench']);
  sh('git', ['config', 'user.email', 'bench@example.invalid']);
  sh(process.execPath, [CLI, 'init']);
  sh('git', ['add', '-A']);
  sh('git', ['commit', '-q', '-m', 'service']);

  const release = () => {
    const started = Date.now();
    const r = spawnSync(process.execPath, [CLI, 'pipeline', 'run', '--stage', 'dev'], { cwd: dir, encoding: 'utf8', env });
    const ms = Date.now() - started;
    if (r.status !== 0) throw new Error(`pipeline run exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
    // The artifact step's own time, from the build log line "Built artifact … in 12.3 s" or the reuse line.
    const build = /Build artifact \((?:(\d+) min )?([\d.]+) (m?s)\)/.exec(r.stdout);
    const buildMs = build ? (Number(build[1] ?? 0) * 60 + Number(build[2])) * (build[3] === 's' ? 1000 : 1) : NaN;
    // Where the time went: every step's own figure, as the run printed it.
    const steps = [...r.stdout.matchAll(/^[✔⚠–✘] (.+?) \(((?:\d+ min )?[\d.]+ m?s)\)/gm)].map(m => `${m[1]} ${m[2]}`);
    return { ms, buildMs, steps };
  };
  const cold = release();
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(path.join(dir, 'src', 'version.ts'), `export const version = ${Date.now()};\n`);
  sh('git', ['add', '-A']);
  sh('git', ['commit', '-q', '-m', 'a code change, same lockfile']);
  const warm = release();
  console.log(`service: TypeScript multi-stage, ${packages} npm packages in the lockfile; load average ${os.loadavg().map(l => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
  console.log(`commit → dev serving, cold: ${seconds(cold.ms)} s (build ${seconds(cold.buildMs)} s)   target ≤ 40 s: ${cold.ms <= 40_000 ? 'met' : 'NOT met'}`);
  console.log(`commit → dev serving, warm: ${seconds(warm.ms)} s (build ${seconds(warm.buildMs)} s)   target ≤ 10 s: ${warm.ms <= 10_000 ? 'met' : 'NOT met'}`);
  console.log(`  cold steps: ${cold.steps.join(', ')}`);
  console.log(`  warm steps: ${warm.steps.join(', ')}`);
  console.log(`ratio warm/cold: ${(warm.ms / cold.ms).toFixed(2)} (build alone: ${(warm.buildMs / cold.buildMs).toFixed(2)})`);
} finally {
  // BENCH_KEEP_LOGS=<folder>: keep the runs' logs (timestamped build steps) to see where the time went.
  if (process.env.BENCH_KEEP_LOGS) {
    const runs = spawnSync('find', [home, '-maxdepth', '2', '-type', 'd', '-name', 'runs'], { encoding: 'utf8' }).stdout.trim().split('\n')[0];
    if (runs) cpSync(runs, process.env.BENCH_KEEP_LOGS, { recursive: true, filter: src => !src.endsWith('.json') || src.endsWith('run.json') });
  }
  spawnSync(process.execPath, [CLI, 'destroy', 'dev', '--force'], { cwd: dir, encoding: 'utf8', env });
  for (const folder of [dir, home]) {
    spawnSync('chmod', ['-R', 'u+w', folder]);
    rmSync(folder, { recursive: true, force: true });
  }
}
