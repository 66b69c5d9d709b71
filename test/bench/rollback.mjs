// Rollback time of a local stage to an artifact on disk (issue 17): target ≤ 5 s. A copy of the
// sample service in a temp git repository is released to dev twice (two commits), then
// `stagecraft rollback dev` alternates between them: each round redeploys the other recorded
// artifact (no build, no migration) through deploy, health and synthetic checks and the
// blue/green switch. The figure is the real CLI's wall time, process start to exit.
// Run after `npm run build` (uses dist/cli.js).
//   node test/bench/rollback.mjs [--rounds 3]
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const cli = path.join(root, 'dist', 'cli.js');
if (!existsSync(cli)) throw new Error('Run `npm run build` first: the benchmark runs dist/cli.js.');
const i = process.argv.indexOf('--rounds');
const rounds = i > 0 ? Number(process.argv[i + 1]) : 3;

const work = mkdtempSync(path.join(os.tmpdir(), 'stagecraft-bench-rollback-'));
chmodSync(work, 0o755);
const sample = path.join(root, 'examples', 'sample-service');
cpSync(sample, work, {
  recursive: true,
  filter: src => !['node_modules', '.stagecraft'].includes(path.relative(sample, src).split(path.sep)[0]),
});
// Keep one fast test file: the pipeline's unit-test step runs them on each release.
for (const f of readdirSync(path.join(work, 'test'))) if (f !== 'config.test.js') rmSync(path.join(work, 'test', f));
writeFileSync(path.join(work, 'stagecraft.yaml'), 'stack: rollbench\nservice:\n  dockerfile: Dockerfile\n  port: 8080\n  healthCheck: /health\nstages:\n  - name: dev\n    provider: local\n');
writeFileSync(path.join(work, '.gitignore'), 'node_modules/\n.stagecraft/\n');
const git = (...args) => {
  const r = spawnSync('git', args, { cwd: work, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
};
git('init', '-q', '-b', 'main');
git('config', 'user.name', 'Bench');
git('config', 'user.email', 'bench@example.invalid');
git('add', '-A');
git('commit', '-q', '-m', 'first');

const env = { ...process.env, NO_COLOR: '1' };
function run(args) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [cli, ...args], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', d => (out += d));
    child.stderr.on('data', d => (out += d));
    child.on('close', code => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code === 0) resolve(ms);
      else reject(new Error(`stagecraft ${args.join(' ')} exited ${code}:\n${out}`));
    });
  });
}

try {
  await run(['pipeline', 'run']);
  writeFileSync(path.join(work, 'README.md'), 'second\n');
  git('commit', '-qam', 'second');
  await run(['pipeline', 'run']);
  const times = [];
  for (let r = 0; r < rounds; r++) times.push(await run(['rollback', 'dev']));
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(`rollback (local stage, artifact on disk): ${times.map(t => `${(t / 1000).toFixed(2)} s`).join(', ')}`);
  console.log(`rollback: median ${(median / 1000).toFixed(2)} s over ${rounds} rounds (target ≤ 5 s) ${median <= 5000 ? 'OK' : 'OVER TARGET'}`);
} finally {
  await run(['destroy', 'dev', '--force']).catch(err => console.error(`cleanup: ${err.message.split('\n')[0]}`));
  spawnSync('chmod', ['-R', 'u+w', work]);
  rmSync(work, { recursive: true, force: true });
}
