// Local log tail latency: a line written by another process → shown by the tail (rendered as the
// terminal shows it). Target (issue 7): p95 ≤ 200 ms. The writer is a separate Node process using
// the stage runtime's RotatingFile with a small size limit, so the tail also crosses rotations.
//   node test/bench/logs-local.mjs [--lines 600] [--rate 100]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '../..');
require('tsx/cjs/api').register();
const { tailLocalLog, localLogFile } = require(path.join(root, 'src/local/logs/tail.ts'));
const { renderLine } = require(path.join(root, 'src/core/logs/index.ts'));

const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const total = option('lines', 600);
const rate = option('rate', 100); // lines per second, in bursts of 10

const dir = mkdtempSync(path.join(os.tmpdir(), 'stagecraft-bench-logs-'));
const file = localLogFile(dir, 'dev', 'app');
const controller = new AbortController();
const delays = [];
const files = new Set();

// The writer: lines carry the time they were written; 4 KiB files rotate every ~50 lines.
const writerSource = `
  require('tsx/cjs/api').register();
  const { RotatingFile } = require(${JSON.stringify(path.join(root, 'src/local/logs/rotatingFile.ts'))});
  const log = new RotatingFile(${JSON.stringify(file)}, { maxBytes: 4096, keep: 3 });
  let i = 0;
  const burst = 10;
  const timer = setInterval(() => {
    for (let k = 0; k < burst && i < ${total}; k++, i++) log.write(new Date().toISOString() + ' bench stdout sent=' + Date.now() + ' n=' + i + ' ' + 'x'.repeat(40));
    if (i >= ${total}) { clearInterval(timer); log.close().then(() => process.exit(0)); }
  }, ${Math.round((1000 * 10) / rate)});
`;

const started = Date.now();
const tail = (async () => {
  let expect = 0;
  for await (const line of tailLocalLog(dir, 'dev', { kind: 'app', follow: true, signal: controller.signal })) {
    renderLine(line, { kind: 'app', colour: true });
    const m = /sent=(\d+) n=(\d+)/.exec(line.text);
    if (!m) continue;
    delays.push(Date.now() - Number(m[1]));
    files.add(line.id.slice(0, line.id.lastIndexOf(':')));
    if (Number(m[2]) !== expect) throw new Error(`line ${m[2]} arrived when ${expect} was expected`);
    expect++;
    if (expect >= total) break;
  }
})();
await new Promise(r => setTimeout(r, 200));
const writer = spawn(process.execPath, ['-e', writerSource], { stdio: 'inherit', cwd: root });
const timeout = setTimeout(() => controller.abort(), 60_000);
await tail;
clearTimeout(timeout);
controller.abort();
await new Promise(r => writer.exitCode !== null ? r() : writer.once('exit', r));
rmSync(dir, { recursive: true, force: true });

delays.sort((a, b) => a - b);
const pct = p => delays[Math.min(delays.length - 1, Math.floor((p / 100) * delays.length))];
const p95 = pct(95);
console.log(`local log tail: ${delays.length}/${total} lines in order, across ${files.size - 1} rotations, ${rate} lines/s in bursts of 10, ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`  written → shown: p50 ${pct(50)} ms, p95 ${p95} ms, p99 ${pct(99)} ms, max ${delays.at(-1)} ms (target p95 ≤ 200 ms)`);
console.log(`  ${delays.length === total && p95 <= 200 ? 'PASS' : 'FAIL'}`);
process.exitCode = delays.length === total && p95 <= 200 ? 0 : 1;
