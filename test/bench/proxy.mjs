// Benchmarks of the stage proxy (src/local/proxy):
//  1. blue/green switch under steady load from a second process: failed requests (target 0)
//  2. proxy overhead per request: p50 through the proxy minus direct (target ≤ 1 ms)
// Run after `npm run compile` (uses out/), or it loads the TypeScript through tsx.
//   node test/bench/proxy.mjs [--requests 4000] [--concurrency 32] [--switches 4] [--latency-count 3000]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const here = import.meta.dirname;
const root = path.resolve(here, '../..');

function loadProxy() {
  const compiled = path.join(root, 'out/src/local/proxy/index.js');
  if (existsSync(compiled)) return require(compiled);
  require('tsx/cjs/api').register();
  return require(path.join(root, 'src/local/proxy/index.ts'));
}

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Starts a service process and resolves with it and its port. */
function startService(name) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, 'proxy-upstream.mjs'), name], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.once('data', d => resolve({ child, port: Number(String(d).trim()) }));
    child.once('error', reject);
    child.once('exit', code => reject(new Error(`${name} exited with ${code}`)));
  });
}

function stop(service) {
  service.child.removeAllListeners('exit');
  service.child.kill('SIGTERM');
}

/** Runs the load generator in its own process; `onProgress(done)` as it goes; resolves with its JSON. */
function runLoad(args, onProgress) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, 'proxy-load.mjs'), ...args], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    child.stdout.on('data', d => (out += d));
    child.on('message', m => onProgress?.(m.done));
    child.on('error', reject);
    child.on('exit', code => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load generator exited with ${code}`))));
  });
}

const { StageProxy } = loadProxy();
const dir = mkdtempSync(path.join(os.tmpdir(), 'stagecraft-bench-proxy-'));
const ms = n => `${n.toFixed(3)} ms`;

try {
  // 1. Blue/green under load.
  const requests = option('requests', 4000);
  const concurrency = option('concurrency', 32);
  const switches = option('switches', 4);
  const proxy = new StageProxy({ stage: 'bench', port: 0, origins: [], accessLog: path.join(dir, 'access.log') });
  const port = await proxy.listen();
  let current = await startService('v0');
  await proxy.setUpstream({ host: '127.0.0.1', port: current.port });

  const drains = [];
  let nextSwitch = 1;
  let switching = Promise.resolve();
  const switchTo = async n => {
    const next = await startService(`v${n}`);
    const t = performance.now();
    await proxy.setUpstream({ host: '127.0.0.1', port: next.port });
    drains.push(performance.now() - t);
    stop(current); // drained: stop the old version at once
    current = next;
  };
  const result = await runLoad(['load', `http://127.0.0.1:${port}/`, String(requests), String(concurrency)], done => {
    if (nextSwitch <= switches && done >= (nextSwitch * requests) / (switches + 1)) {
      const n = nextSwitch++;
      switching = switching.then(() => switchTo(n));
    }
  });
  await switching;
  stop(current);
  await proxy.close();
  console.log('Blue/green switch under load (load generator in a second process, keep-alive):');
  console.log(`  requests: ${result.requests}, concurrency ${concurrency}, ${(result.requests / result.seconds).toFixed(0)} req/s`);
  console.log(`  switches: ${drains.length}, drain wait per switch: ${drains.map(ms).join(', ')}`);
  console.log(`  answered by version: ${JSON.stringify(result.byVersion)}`);
  console.log(`  failed requests: ${result.failed} (target 0)${result.errors.length ? ' — ' + result.errors.join(' | ') : ''}`);

  // 2. Overhead per request.
  const count = option('latency-count', 3000);
  const service = await startService('latency');
  const proxy2 = new StageProxy({ stage: 'bench', port: 0, origins: [], accessLog: path.join(dir, 'access2.log') });
  const port2 = await proxy2.listen();
  await proxy2.setUpstream({ host: '127.0.0.1', port: service.port });
  const lat = await runLoad(['latency', `http://127.0.0.1:${service.port}/`, `http://127.0.0.1:${port2}/`, String(count)]);
  stop(service);
  await proxy2.close();
  console.log(`Proxy overhead (${count} sequential keep-alive requests each way, alternating):`);
  console.log(`  direct:        p50 ${ms(lat.direct.p50)}, p95 ${ms(lat.direct.p95)}`);
  console.log(`  through proxy: p50 ${ms(lat.proxy.p50)}, p95 ${ms(lat.proxy.p95)}`);
  console.log(`  overhead:      p50 ${ms(lat.proxy.p50 - lat.direct.p50)} (target ≤ 1 ms); per-request difference p50 ${ms(lat.overhead.p50)}, p95 ${ms(lat.overhead.p95)}`);
  process.exitCode = result.failed === 0 ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
