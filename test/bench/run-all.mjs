// `npm run bench`: runs every benchmark under test/bench/ one after the other and prints their figures.
// Benchmarks print numbers and say which targets they meet; they are not tests. Timings on a shared
// 2-core machine are noisy: compare figures from one run, as ratios where a script gives them.
//   node test/bench/run-all.mjs [name-filter]
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = import.meta.dirname;
const filter = process.argv[2];
// Helpers that other scripts start (a load generator, a stand-in upstream) are not benchmarks on their own.
const helpers = new Set(['run-all.mjs', 'proxy-load.mjs', 'proxy-upstream.mjs']);
const scripts = readdirSync(dir).filter(f => f.endsWith('.mjs') && !helpers.has(f) && !f.startsWith('_') && (!filter || f.includes(filter))).sort();
let failed = 0;
for (const script of scripts) {
  console.log(`\n=== ${script} ===`);
  const started = Date.now();
  const result = spawnSync(process.execPath, [join(dir, script)], { stdio: 'inherit' });
  console.log(`=== ${script}: exit ${result.status} in ${((Date.now() - started) / 1000).toFixed(1)} s ===`);
  if (result.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
