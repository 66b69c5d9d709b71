// The release ledger over many runs: `loadLedger` (read every run.json, the stage states, git's
// word on the commits, build the commit → stage ledger) on 1,000 synthetic run records of 3
// stages. Target (issue 17): ≤ 100 ms to list 1,000 runs.
// Run after `npm run compile` (uses out/), or it loads the TypeScript through tsx.
//   node test/bench/ledger.mjs [--runs 1000] [--rounds 5]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '../..');

function load(rel) {
  const compiled = path.join(root, 'out', `${rel}.js`);
  if (existsSync(compiled)) return require(compiled);
  require('tsx/cjs/api').register();
  return require(path.join(root, `${rel}.ts`));
}

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const { loadLedger } = load('src/core/ledger/index');
const { parseStackFile } = load('src/core/config/load');

const count = Number(option('runs', 1000));
const rounds = Number(option('rounds', 5));
const work = mkdtempSync(path.join(os.tmpdir(), 'stagecraft-bench-ledger-'));
const yaml = 'stack: bench\nstages:\n  - name: dev\n  - name: test\n  - name: prod\n    requireApproval: true\n';
writeFileSync(path.join(work, 'stagecraft.yaml'), yaml);
const git = (...args) => execFileSync('git', args, { cwd: work, encoding: 'utf8' }).trim();
git('init', '-q', '-b', 'main');
git('-c', 'user.name=Bench', '-c', 'user.email=bench@example.invalid', 'commit', '-q', '--allow-empty', '-m', 'bench');
// 200 real commits (commit-tree is one fast git call each), so git knows every commit the runs name.
const tree = git('rev-parse', 'HEAD^{tree}');
const commits = [];
let parent = git('rev-parse', 'HEAD');
const env = { ...process.env, GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.invalid', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.invalid' };
for (let i = 0; i < 200; i++) {
  parent = execFileSync('git', ['commit-tree', tree, '-p', parent, '-m', `change ${i}`], { cwd: work, encoding: 'utf8', env }).trim();
  commits.push(parent);
}
git('update-ref', 'HEAD', parent);
const stack = parseStackFile(yaml, path.join(work, 'stagecraft.yaml')).stack;

// 1,000 runs over 200 commits: most succeed, every 7th is rolled back at test, every 11th is rejected at prod.
const base = Date.parse('2026-01-01T00:00:00Z');
for (let i = 0; i < count; i++) {
  const t = new Date(base + i * 60_000);
  const iso = t.toISOString();
  const id = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-000-${(i % 65536).toString(16).padStart(4, '0')}`;
  const commit = commits[Math.floor((i / count) * 200)];
  const rolled = i % 7 === 0;
  const rejected = i % 11 === 0;
  const steps = [];
  const stageRecords = {};
  for (const stage of ['dev', 'test', 'prod']) {
    const status = stage === 'test' && rolled ? 'rolled-back' : stage === 'prod' && (rolled || rejected) ? 'pending' : 'serving';
    if (stage === 'prod') steps.push({ id: 'stage:prod:approval', kind: 'approval', group: 'stage', stage, label: 'prod: approval', status: rejected ? 'failed' : 'succeeded', approval: { requestId: 'r', requestedAt: iso, expiresAt: iso, decision: rejected ? 'rejected' : 'approved', by: 'Ann', at: iso, comment: 'looks good' } });
    for (const kind of ['migrate', 'deploy', 'health', 'synthetic', 'promote']) {
      steps.push({ id: `stage:${stage}:${kind}`, kind, group: 'stage', stage, label: `${stage}: ${kind}`, status: status === 'serving' ? 'succeeded' : 'pending', startedAt: iso, endedAt: iso, summary: 'ok' });
    }
    stageRecords[stage] = { stage, status, commit, artifact: `sha256-${commit.slice(0, 12)}` };
  }
  const run = { version: 1, id, stack: 'bench', commit, stages: ['dev', 'test', 'prod'], createdAt: iso, endedAt: iso, status: rolled ? 'failed' : rejected ? 'rejected' : 'succeeded', warnings: [], artifact: { id: `sha256-${commit.slice(0, 12)}`, commit }, steps, stageRecords };
  const dir = path.join(work, '.stagecraft', 'runs', id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify(run, null, 2));
}

const times = [];
let entries = [];
let cold = 0;
for (let r = 0; r < rounds + 1; r++) {
  const start = process.hrtime.bigint();
  entries = await loadLedger(stack);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r > 0) times.push(ms);
  else cold = ms; // the first round reads every run.json and fills the ledger's cache
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(`ledger: ${count} runs → ${entries.length} commits, ${entries.reduce((n, e) => n + e.attempts.length, 0)} stage attempts`);
console.log(`ledger: first listing (no cache, every run.json parsed) ${cold.toFixed(1)} ms`);
console.log(`ledger: median ${median.toFixed(1)} ms, best ${times[0].toFixed(1)} ms, worst ${times.at(-1).toFixed(1)} ms over ${rounds} rounds (target ≤ 100 ms) ${median <= 100 ? 'OK' : 'OVER TARGET'}`);
if (!process.env.KEEP) rmSync(work, { recursive: true, force: true });
