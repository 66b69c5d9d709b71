// What the deployment markers cost a log tail: 200,000 app lines (1 in 20 an error) merged with
// the markers of 100 deploys (deploy, approval, switch: 300 markers, 100 summaries) through
// withDeployMarkers, against the same lines passed through untouched. Prints lines per second.
// Run after `npm run compile` (uses out/), or it loads the TypeScript through tsx.
//   node test/bench/log-markers.mjs [--lines 200000] [--deploys 100] [--rounds 3]
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
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
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const { withDeployMarkers } = load('src/core/logs/index');
const count = option('lines', 200_000);
const deploys = option('deploys', 100);
const rounds = option('rounds', 3);
const start = Date.UTC(2026, 0, 1);
const step = 10; // ms between lines
const span = count * step;

const lines = Array.from({ length: count }, (_, i) => ({ time: start + i * step, text: `1a2b3c4d5e6f ${i % 20 === 0 ? 'stderr ERROR db timeout' : 'stdout GET /cart 200'} ${i}`, version: '1a2b3c4d5e6f' }));
const markers = [];
for (let d = 0; d < deploys; d++) {
  const t = start + Math.floor(((d + 0.5) * span) / deploys);
  const commit = d.toString(16).padStart(40, '0');
  markers.push({ key: `r${d}:approval`, time: t - 2000, kind: 'approval', text: `${commit.slice(0, 8)} approved by Ann` });
  markers.push({ key: `r${d}:deploy`, time: t - 1000, kind: 'deploy', text: `deploy of ${commit.slice(0, 8)} started` });
  markers.push({ key: `r${d}:switch`, time: t, kind: 'switch', text: `traffic switched to ${commit.slice(0, 8)}`, serves: commit });
}

async function* source() {
  yield* lines;
}

async function time(label, run) {
  let best = Infinity;
  let out = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    out = await run();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  console.log(`${label}: ${best.toFixed(0)} ms for ${count} lines (${Math.round(count / (best / 1000)).toLocaleString('en')} lines/s; ${out} items out; best of ${rounds})`);
  return best;
}

const plain = await time('lines alone       ', async () => {
  let n = 0;
  for await (const _ of source()) n++;
  return n;
});
const marked = await time('with the markers  ', async () => {
  let n = 0;
  for await (const _ of withDeployMarkers(source(), async () => markers, { follow: false, startTime: start, now: () => start + span })) n++;
  return n;
});
console.log(`markers, version tags and error summaries cost ${((marked - plain) / count * 1000).toFixed(2)} µs a line`);
