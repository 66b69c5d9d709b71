// Engine overhead: the pipeline's wall time against a bare bash script running the same commands.
// Target (issue 3): engine ≤ 1.05 × bash. Each planned step of a 3-stage stack (source, build
// group, migrate/deploy/health/synthetic/promote per stage, 22 steps) runs one real shell command
// `sleep 0.05; echo <step>`; the engine runs them through the executor interface with run.json,
// run.log, heartbeat and events, exactly as a real run records them.
// Run after `npm run compile` (uses out/), or it loads the TypeScript through tsx.
//   node test/bench/engine.mjs [--rounds 5] [--sleep 0.05]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

const { startRun, planRun } = load('src/core/pipeline/index');
const { parseStackFile } = load('src/core/config/load');
const { runShell } = load('src/core/exec');

const rounds = Number(option('rounds', 5));
const sleep = option('sleep', '0.05');
const work = mkdtempSync(path.join(os.tmpdir(), 'stagecraft-bench-engine-'));
const yaml = 'stack: bench\nservice:\n  migrate: ./migrate\nstages:\n  - name: dev\n  - name: test\n  - name: prod\n';
writeFileSync(path.join(work, 'stagecraft.yaml'), yaml);
writeFileSync(path.join(work, 'package.json'), JSON.stringify({ name: 'bench', scripts: { lint: 'true' } }));
const stack = parseStackFile(yaml, path.join(work, 'stagecraft.yaml')).stack;
const steps = planRun(stack, { commit: 'bench' });
const command = step => `sleep ${sleep}; echo ${step.id}`;

// The same commands as one bash script, output to a log file as the engine's run.log.
const script = path.join(work, 'pipeline.sh');
writeFileSync(script, `#!/bin/bash\nset -e\n${steps.map(command).join('\n')}\n`);

const executor = {
  async execute(step, ctx) {
    const r = await runShell(command(step), { cwd: work, signal: ctx.signal, onLine: line => ctx.log(line) });
    if (r.code !== 0) return { status: 'failed', summary: `exit ${r.code}` };
    return { status: 'succeeded', summary: 'ok', ...(step.kind === 'artifact' ? { outputs: { artifact: 'sha256-bench' } } : {}) };
  },
};

async function timeEngine() {
  const t0 = performance.now();
  const run = await startRun({ stack, executor, commit: 'bench', recordStageState: false }).done;
  const ms = performance.now() - t0;
  if (run.status !== 'succeeded') throw new Error(`engine run ${run.status}: ${run.outcome}`);
  return ms;
}

/** The same commands through the same runShell, in a plain loop: what the executor costs without the engine. */
async function timeLoop() {
  const t0 = performance.now();
  for (const step of steps) {
    const r = await runShell(command(step), { cwd: work });
    if (r.code !== 0) throw new Error(`exit ${r.code}`);
  }
  return performance.now() - t0;
}

function timeBash() {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const out = path.join(work, 'bash.log');
    const child = spawn('/bin/bash', ['-c', `bash ${script} > ${out} 2>&1`], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', code => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`bash exited ${code}`))));
  });
}

/** The engine alone: the same 22 steps with an executor that does nothing (records, log, events only). */
async function timeNoop() {
  const noop = { async execute(step, ctx) { ctx.log(step.id); return { status: 'succeeded', summary: 'ok', ...(step.kind === 'artifact' ? { outputs: { artifact: 'sha256-bench' } } : {}) }; } };
  const t0 = performance.now();
  await startRun({ stack, executor: noop, commit: 'bench', recordStageState: false }).done;
  return performance.now() - t0;
}

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  await timeEngine(); // warm up (module loading, first spawn)
  await timeBash();
  await timeLoop();
  const engine = [];
  const bash = [];
  const loop = [];
  for (let i = 0; i < rounds; i++) {
    bash.push(await timeBash());
    loop.push(await timeLoop());
    engine.push(await timeEngine());
  }
  const e = median(engine);
  const b = median(bash);
  const l = median(loop);
  const ratio = e / b;
  const noop = [];
  for (let i = 0; i < 20; i++) noop.push(await timeNoop());
  const each = xs => xs.map(x => x.toFixed(0)).join(', ');
  console.log(`engine overhead: ${steps.length} steps of \`sleep ${sleep}; echo\`, ${rounds} rounds, medians (load average ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} cores)`);
  console.log(`  bash script:           ${b.toFixed(1)} ms   (${each(bash)})`);
  console.log(`  runShell loop, no engine: ${l.toFixed(1)} ms   (${each(loop)})`);
  console.log(`  engine:                ${e.toFixed(1)} ms   (${each(engine)})`);
  console.log(`  engine bookkeeping per step: ${((e - l) / steps.length).toFixed(2)} ms; engine vs loop ${(e / l).toFixed(3)}`);
  console.log(`  engine with a no-op executor: ${median(noop).toFixed(1)} ms for ${steps.length} steps (${(median(noop) / steps.length).toFixed(2)} ms per step, median of 20)`);
  const best = Math.min(...engine) / Math.min(...bash);
  console.log(`  ratio engine / bash:   ${ratio.toFixed(3)} of medians, ${best.toFixed(3)} of best runs  (target ≤ 1.05: ${ratio <= 1.05 ? 'met' : 'NOT met'})`);
  if (os.loadavg()[0] > os.cpus().length) console.log('  note: the machine is busy (load above its core count); spawn times, and so these ratios, are inflated.');
} finally {
  rmSync(work, { recursive: true, force: true });
}
