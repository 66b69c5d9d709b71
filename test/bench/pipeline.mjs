// The local provider's release speed, through the real CLI (dist/cli.js) on a copy of the sample
// service in a temporary git repository. Targets (issue 3):
//   commit → dev serving ≤ 15 s once dependencies are cached;
//   promotion to the next stage (no rebuild) ≤ 5 s;
//   a blue/green switch under steady load from a second process: ≥ 2,000 requests, 0 failed.
//   node test/bench/pipeline.mjs [--commits 2] [--switches 2] [--concurrency 4]
// Needs `npm run build`. Every stage it starts is destroyed at the end, leftovers are killed by pid.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(root, 'dist', 'cli.js');
const SAMPLE = path.join(root, 'examples', 'sample-service');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

if (process.argv[2] === '--load') await loadGenerator(process.argv[3], Number(process.argv[4]));
else await main();

// ——— the load generator (this script again, as the second process) ———

/** GETs <url>/info with keep-alive from `concurrency` workers until told to stop over IPC; prints JSON. */
async function loadGenerator(url, concurrency) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let stop = false;
  process.on('message', m => m === 'stop' && (stop = true));
  const result = { requests: 0, failed: 0, errors: {}, byCommit: {}, latenciesMs: [] };
  const once = () =>
    new Promise(resolve => {
      const started = performance.now();
      const req = http.get(`${url}/info`, { agent, timeout: 10_000 }, res => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', d => (body += d));
        res.on('end', () => resolve({ status: res.statusCode, body, ms: performance.now() - started }));
        res.on('error', err => resolve({ error: err.code ?? err.message }));
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', err => resolve({ error: err.code ?? err.message }));
    });
  const worker = async () => {
    while (!stop) {
      const r = await once();
      result.requests++;
      if (r.status === 200) {
        const commit = JSON.parse(r.body).commitHash?.slice(0, 8) ?? '?';
        result.byCommit[commit] = (result.byCommit[commit] ?? 0) + 1;
        result.latenciesMs.push(r.ms);
      } else {
        result.failed++;
        const key = r.error ?? `HTTP ${r.status}: ${String(r.body).slice(0, 80)}`;
        result.errors[key] = (result.errors[key] ?? 0) + 1;
      }
      if (result.requests % 200 === 0) process.send?.({ requests: result.requests });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  const sorted = result.latenciesMs.sort((a, b) => a - b);
  const pct = p => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  delete result.latenciesMs;
  result.p50 = pct(0.5);
  result.p99 = pct(0.99);
  result.max = sorted[sorted.length - 1] ?? 0;
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

// ——— the benchmark ———

async function main() {
  const commits = option('commits', 2);
  const switches = option('switches', 2);
  const concurrency = option('concurrency', 4);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sc-bench-pipeline-'));
  chmodSync(dir, 0o755); // PostgreSQL runs as the postgres user when this runs as root
  // Stagecraft's state (artifacts, databases, runs) goes to a folder of its own, removed at the end.
  const home = mkdtempSync(path.join(os.tmpdir(), 'sc-bench-state-'));
  chmodSync(home, 0o711);
  process.env.STAGECRAFT_HOME = home;
  const failures = [];
  try {
    cpSync(SAMPLE, dir, { recursive: true, filter: src => !/[\\/](node_modules|\.stagecraft)$/.test(src) });
    writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n');
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'config', 'user.name', 'Bench');
    git(dir, 'config', 'user.email', 'bench@example.invalid');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'sample');
    console.log(`pipeline benchmark in ${dir} (load average ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} cores)`);

    // 1. A first release through every stage: fills the npm cache, creates the databases, and gives
    //    the promotion figures (each later stage reuses the artifact built once).
    const first = await cli(['pipeline', 'run', '--auto-approve', '--json'], dir);
    if (first.code !== 0) throw new Error(`the first release failed:\n${first.stderr}\n${first.stdout.slice(-3000)}`);
    const run1 = JSON.parse(first.stdout);
    console.log(`\nfirst release (cold caches): ${sec(run1.durationMs)}`);
    console.log('promotion to the next stage, no rebuild (the stage\'s steps in one run; target ≤ 5 s):');
    for (const stage of ['test', 'prod']) {
      const t = stageSegment(run1, stage);
      console.log(`  → ${stage.padEnd(5)} ${sec(t.ms).padStart(7)}  ${t.ms <= 5000 ? 'met' : 'NOT met'}   (${t.steps})`);
      if (t.ms > 5000) failures.push(`promotion to ${stage} ${sec(t.ms)}`);
    }

    // 2. Commit → dev serving, with dependencies cached: the clock starts at the commit and stops
    //    when dev's URL answers with the new commit.
    const devUrl = await stageUrl(dir, 'dev');
    const totals = [];
    for (let i = 1; i <= commits; i++) {
      const file = path.join(dir, 'src', 'log.js');
      writeFileSync(file, `${readFileSync(file, 'utf8')}// benchmark change ${i}\n`);
      const t0 = performance.now();
      git(dir, 'commit', '-q', '-am', `change ${i}`);
      const head = git(dir, 'rev-parse', 'HEAD');
      const run = await cli(['pipeline', 'run', '--stage', 'dev', '--json'], dir);
      if (run.code !== 0) throw new Error(`commit ${i} → dev failed:\n${run.stderr}\n${run.stdout.slice(-3000)}`);
      await waitForCommit(devUrl, head);
      const total = performance.now() - t0;
      totals.push(total);
      const record = JSON.parse(run.stdout);
      console.log(`\ncommit → dev serving #${i}: ${sec(total)} (target ≤ 15 s: ${total <= 15_000 ? 'met' : 'NOT met'}); the run's steps:`);
      for (const s of [...record.steps].sort((a, b) => (b.durationMs ?? 0) - (a.durationMs ?? 0))) {
        console.log(`  ${sec(s.durationMs ?? 0).padStart(7)}  ${s.label}${s.status !== 'succeeded' ? ` (${s.status})` : ''}`);
      }
      console.log(`  ${sec(total - record.durationMs).padStart(7)}  outside the run (CLI start, git, the first answer)`);
    }
    const median = totals.sort((a, b) => a - b)[Math.floor(totals.length / 2)];
    console.log(`\ncommit → dev serving: median ${sec(median)} of ${totals.length} (target ≤ 15 s: ${median <= 15_000 ? 'met' : 'NOT met'})`);
    if (median > 15_000) failures.push(`commit → dev ${sec(median)}`);

    // 3. Blue/green under steady load from a second process: dev is switched `switches` times
    //    between two commits while the load generator keeps asking it.
    const load = spawn(process.execPath, [import.meta.filename, '--load', devUrl, String(concurrency)], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    load.stdout.on('data', d => (out += d));
    const loadDone = new Promise(resolve => load.on('exit', resolve));
    await new Promise(resolve => load.once('message', resolve)); // the load is flowing
    const heads = [];
    for (let i = 1; i <= switches; i++) {
      const file = path.join(dir, 'src', 'log.js');
      writeFileSync(file, `${readFileSync(file, 'utf8')}// switch ${i}\n`);
      git(dir, 'commit', '-q', '-am', `switch ${i}`);
      heads.push(git(dir, 'rev-parse', 'HEAD').slice(0, 8));
      const run = await cli(['pipeline', 'run', '--stage', 'dev'], dir);
      if (run.code !== 0) throw new Error(`switch ${i} failed:\n${run.stdout.slice(-3000)}`);
    }
    await new Promise(resolve => setTimeout(resolve, 1000));
    load.send('stop');
    await loadDone;
    const result = JSON.parse(out);
    console.log(`\nblue/green under load: ${switches} switches of dev while ${concurrency} keep-alive workers in a second process asked GET /info`);
    console.log(`  ${result.requests} requests, ${result.failed} failed; answered by ${Object.entries(result.byCommit).map(([c, n]) => `${c} ×${n}`).join(', ')}`);
    console.log(`  latency p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, max ${result.max.toFixed(0)} ms`);
    if (result.failed) console.log(`  failures: ${JSON.stringify(result.errors)}`);
    const served = heads.every(h => result.byCommit[h] > 0);
    const met = result.requests >= 2000 && result.failed === 0 && served;
    console.log(`  target (≥ 2,000 requests, 0 failed, every new version served): ${met ? 'met' : 'NOT met'}`);
    if (!met) failures.push(`blue/green: ${result.requests} requests, ${result.failed} failed`);
  } finally {
    for (const stage of ['dev', 'test', 'prod']) await cli(['destroy', stage, '--force'], dir);
    for (const pid of [...processesUnder(dir), ...processesUnder(home)]) {
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
  if (failures.length) console.log(`\ntargets not met: ${failures.join('; ')}`);
}

function git(cwd, ...args) {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

function cli(args, cwd) {
  return new Promise(resolve => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    child.on('close', code => resolve({ code, stdout, stderr }));
  });
}

async function stageUrl(cwd, stage) {
  const r = await cli(['status', '--json'], cwd);
  const url = JSON.parse(r.stdout).stages.find(s => s.name === stage)?.url;
  if (!url) throw new Error(`no URL for ${stage}: ${r.stdout}`);
  return url;
}

/** From the stage's first step starting to its promote step ending, with the steps' own times. */
function stageSegment(run, stage) {
  const steps = run.steps.filter(s => s.stage === stage && s.kind !== 'approval');
  const ms = Date.parse(steps.at(-1).endedAt) - Date.parse(steps[0].startedAt);
  return { ms, steps: steps.map(s => `${s.kind} ${sec(s.durationMs)}`).join(', ') };
}

async function waitForCommit(url, commit) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const body = await new Promise(resolve => {
      http.get(`${url}/info`, { agent: false }, res => {
        let b = '';
        res.on('data', d => (b += d));
        res.on('end', () => resolve(b));
      }).on('error', () => resolve(''));
    });
    if (body.includes(commit)) return;
    if (Date.now() > deadline) throw new Error(`dev did not serve ${commit} within 30 s`);
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}

function processesUnder(dir) {
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
      if (cmd.includes(dir) || cwd.startsWith(dir)) found.push(pid);
    } catch {
      // ended
    }
  }
  return found;
}

function sec(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}
