// Parse + validate a generated 50-stage stagecraft.yaml, many times; prints median and p95.
// Target (issue 2): ≤ 20 ms per parse. Uses the compiled out/ when it is newer than the sources
// (`npm run compile`), else bundles src/core/config/load.ts with esbuild the way dist/ is built.
//   node test/bench/parse.mjs [--stages 50] [--iterations 300]
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '../..');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return t;
}

async function loadParser() {
  const compiled = path.join(root, 'out/src/core/config/load.js');
  if (existsSync(compiled) && statSync(compiled).mtimeMs >= newest(path.join(root, 'src/core'))) {
    return { parseStackFile: require(compiled).parseStackFile, from: 'out/src/core/config/load.js (tsc)', cleanup() {} };
  }
  const esbuild = await import('esbuild');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stagecraft-bench-parse-'));
  const outfile = path.join(dir, 'load.cjs');
  await esbuild.build({ entryPoints: [path.join(root, 'src/core/config/load.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, outfile, logLevel: 'warning' });
  return { parseStackFile: require(outfile).parseStackFile, from: 'src/core/config/load.ts bundled by esbuild (minified, as in dist/)', cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A realistic file: comments, env maps with secret references, origins, branch patterns, both providers. */
function generate(stages) {
  const out = [
    '# Generated for the parse benchmark: a large stack with every kind of field.',
    'stack: bench-shop',
    'branchModel: gitflow',
    'service:',
    '  dockerfile: Dockerfile',
    '  port: 8080   # EXPOSE',
    '  healthCheck: /health',
    '  build: npm run build',
    '  start: node server.js',
    '  migrate: npm run migrate',
    '',
    '# Stages in promotion order.',
    'stages:',
  ];
  for (let i = 0; i < stages; i++) {
    const aws = i % 3 === 2;
    out.push(`  # stage ${i + 1} of ${stages}`);
    out.push(`  - name: stage${i}`);
    out.push(`    provider: ${aws ? 'aws' : 'local'}   # where it runs`);
    if (aws) out.push('    region: eu-west-1', '    profile: bench');
    out.push(`    database: ${i % 2 ? 'postgres' : 'none'}`);
    out.push(`    requireApproval: ${i % 5 === 4}`);
    out.push(`    loadBalancer: ${aws}`);
    out.push('    env:');
    out.push(`      LOG_LEVEL: ${i % 2 ? 'info' : 'debug'}`);
    out.push(`      WORKERS: ${(i % 8) + 1}`);
    out.push(`      FEATURE_${i}: true`);
    out.push(`      API_URL: "https://api-${i}.example.com/v1"`);
    out.push(`      DB_PASSWORD: { secret: stage${i}-db }`);
    out.push('    origins:');
    out.push(`      - https://stage${i}.example.com`);
    out.push(`      - http://localhost:${3000 + i}`);
    out.push(`    branches: [release/${i}.*, "hotfix/${i}/**"]`);
  }
  return `${out.join('\n')}\n`;
}

const stages = option('stages', 50);
const iterations = option('iterations', 300);
const warmup = 30;
const parser = await loadParser();
const text = generate(stages);
const file = path.join(os.tmpdir(), 'stagecraft.yaml');

const first = performance.now();
const check = parser.parseStackFile(text, file);
const firstMs = performance.now() - first;
if (!check.stack || check.stack.stages.length !== stages) {
  console.error(`The generated file is not valid:\n${check.problems.map(p => `${p.line}:${p.column} ${p.field}: ${p.message}`).join('\n')}`);
  process.exit(1);
}
for (let i = 0; i < warmup; i++) parser.parseStackFile(text, file);
// Wall time, and CPU time of this process: on a shared machine the second is what the parse costs,
// the first also counts waiting for a core.
const times = [];
const cpu = [];
for (let i = 0; i < iterations; i++) {
  const c = process.cpuUsage();
  const t = performance.now();
  parser.parseStackFile(text, file);
  times.push(performance.now() - t);
  const used = process.cpuUsage(c);
  cpu.push((used.user + used.system) / 1000);
}
parser.cleanup();
times.sort((a, b) => a - b);
cpu.sort((a, b) => a - b);
const quantile = (list, q) => list[Math.min(list.length - 1, Math.ceil(q * list.length) - 1)];
const at = q => quantile(times, q);
const fmt = ms => ms.toFixed(2).padStart(7);
const median = at(0.5);
const p95 = at(0.95);
console.log(`parse + validate: ${stages} stages, ${text.split('\n').length - 1} lines, ${(text.length / 1024).toFixed(1)} KiB`);
console.log(`  module     ${parser.from}`);
console.log(`  first call ${fmt(firstMs)} ms (cold: JIT and lazy zod/yaml setup)`);
console.log(`  median     ${fmt(median)} ms   over ${iterations} iterations after ${warmup} warm-up`);
console.log(`  p95        ${fmt(p95)} ms`);
console.log(`  min / max  ${fmt(times[0])} / ${times[times.length - 1].toFixed(2)} ms`);
console.log(`  CPU time   median ${quantile(cpu, 0.5).toFixed(2)} ms, p95 ${quantile(cpu, 0.95).toFixed(2)} ms (this process only)`);
console.log(`  target     ≤ 20 ms: median ${median <= 20 ? 'met' : 'NOT met'}, p95 ${p95 <= 20 ? 'met' : 'NOT met'}; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`);
