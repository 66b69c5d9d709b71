// Validate a stagecraft.yaml at the size limit (issue 20 item 5): ~1 MB, under the entry limit,
// realistic stages; and the time to refuse a file over each limit. Prints figures, asserts nothing.
// Bundles src/core/config/load.ts with esbuild as dist/ is built.
//   node test/bench/parse-limit.mjs [--iterations 5]
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '../..');
const i = process.argv.indexOf('--iterations');
const iterations = i > 0 ? Number(process.argv[i + 1]) : 5;

const esbuild = await import('esbuild');
const dir = mkdtempSync(path.join(os.tmpdir(), 'stagecraft-bench-limit-'));
const outfile = path.join(dir, 'load.cjs');
await esbuild.build({ entryPoints: [path.join(root, 'src/core/config/load.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, outfile, logLevel: 'warning' });
const { parseStackFile } = require(outfile);
const limitsFile = path.join(dir, 'limits.cjs');
await esbuild.build({ entryPoints: [path.join(root, 'src/core/config/limits.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: limitsFile, logLevel: 'warning' });
const { STACK_FILE_LIMITS } = require(limitsFile);

/** Stages with env maps, origins and comments, grown until the next stage would cross the byte limit. */
function atLimit() {
  const lines = ['# at the limit', 'stack: bench', 'service:', '  dockerfile: Dockerfile', 'stages:'];
  let size = lines.join('\n').length;
  for (let s = 0; ; s++) {
    const stage = [`  - name: s${s}   # stage ${s}`, '    provider: local', '    env:'];
    for (let k = 0; k < 10; k++) stage.push(`      VAR_${k}: "${'v'.repeat(60)}-${s}-${k}"`);
    stage.push('    origins:', `      - https://s${s}.example.com`);
    const add = stage.join('\n').length + 1;
    if (size + add + 1 > STACK_FILE_LIMITS.bytes) break;
    lines.push(...stage);
    size += add;
  }
  return `${lines.join('\n')}\n`;
}

function time(label, text, expectValid) {
  const file = path.join(os.tmpdir(), 'stagecraft.yaml');
  const first = parseStackFile(text, file);
  if (expectValid !== Boolean(first.stack)) throw new Error(`${label}: unexpected result ${first.problems[0]?.message}`);
  const times = [];
  for (let n = 0; n < iterations; n++) {
    const t = performance.now();
    parseStackFile(text, file);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const entries = (text.match(/:( |$)/gm) ?? []).length;
  console.log(`  ${label.padEnd(34)} ${(Buffer.byteLength(text) / 1024).toFixed(0).padStart(6)} KiB  median ${times[Math.floor(times.length / 2)].toFixed(0).padStart(5)} ms  max ${times[times.length - 1].toFixed(0).padStart(5)} ms${expectValid ? `  (${entries} keys, valid)` : `  → ${first.problems[0].line}: ${first.problems[0].message.slice(0, 60)}`}`);
}

const valid = atLimit();
console.log(`validate a stagecraft.yaml at the limits (${STACK_FILE_LIMITS.bytes} bytes, ${STACK_FILE_LIMITS.entries} entries, depth ${STACK_FILE_LIMITS.depth}); ${iterations} runs each; load ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`);
time('1 MB at the limit (valid)', valid, true);
time('20 MB, 1.5M keys (refused: size)', `stack: x\nstages:\n${'  - name: a\n'.repeat(1_700_000)}`, false);
time('900 KB, 80k keys (refused: entries)', `stack: x\nstages: []\nenv:\n${Array.from({ length: 80_000 }, (_, k) => ` K${k}: v`).join('\n')}\n`, false);
time('100k nested brackets (refused: depth)', `stack: x\nx: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, false);
rmSync(dir, { recursive: true, force: true });
