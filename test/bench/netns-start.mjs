// What a version's own network namespace costs (issue 14), Linux only. Each round starts the same
// tiny app (test/fixtures/apps/version-app.js) two ways and times spawn → first HTTP answer:
//   plain      `node app.js` with PORT, answered on 127.0.0.1:PORT (the host network);
//   namespaced `unshare --net node dist/netns-bridge.js … -- node app.js` as the stage daemon starts
//              it, answered through the bridge's Unix socket (what the stage proxy connects to);
//   +outbound  the same, and slirp4netns connects the namespace to the outside before the app starts
//              (what the daemon does when slirp4netns is installed).
// Then 300 sequential GETs each way: the extra hop per request. Needs `npm run build` (the bridge bundle).
//   node test/bench/netns-start.mjs [--rounds 10]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const bridge = path.join(root, 'dist', 'netns-bridge.js');
const app = path.join(root, 'test', 'fixtures', 'apps', 'version-app.js');
const i = process.argv.indexOf('--rounds');
const rounds = i > 0 ? Number(process.argv[i + 1]) : 10;

if (process.platform !== 'linux') {
  console.log('netns-start: network namespaces are Linux only; nothing to measure here.');
  process.exit(0);
}
if (!existsSync(bridge)) throw new Error('Run `npm run build` first: the benchmark runs dist/netns-bridge.js.');
const which = name => ['/usr/sbin', '/sbin', '/usr/bin', '/bin'].map(d => path.join(d, name)).find(existsSync);
const ip = which('ip');
const asRoot = process.getuid() === 0;
const unshare = asRoot ? [which('unshare'), '--net'] : [which('unshare'), '--user', '--map-root-user', '--net'];
if (spawnSync(unshare[0], [...unshare.slice(1), ip, 'link', 'set', 'lo', 'up']).status !== 0) {
  console.log('netns-start: this kernel refuses a network namespace; Stagecraft runs apps on the host network here.');
  process.exit(0);
}
const work = mkdtempSync(path.join(os.tmpdir(), 'sc-bench-netns-'));

function freePort() {
  return new Promise(resolve => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function get(target) {
  return new Promise((resolve, reject) => {
    const req = http.get({ ...target, path: '/', agent: false, timeout: 2000 }, res => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

async function firstAnswer(target, child, started) {
  for (;;) {
    if (child.exitCode !== null) throw new Error('the app exited');
    try {
      if ((await get(target)) === 200) return performance.now() - started;
    } catch {
      await new Promise(r => setTimeout(r, 5));
    }
  }
}

function stop(child) {
  return new Promise(resolve => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    process.kill(-child.pid, 'SIGTERM');
  });
}

async function plain() {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [app], { env: { ...process.env, PORT: String(port), APP_VERSION: 'plain' }, stdio: 'ignore', detached: true });
  const ms = await firstAnswer({ host: '127.0.0.1', port }, child, started);
  return { ms, child, target: { host: '127.0.0.1', port } };
}

const slirp4netns = which('slirp4netns');

async function namespaced(n, outbound) {
  const socket = path.join(work, `v${n}${outbound ? 'o' : ''}.sock`);
  const started = performance.now();
  const wait = outbound ? ['--wait-start'] : [];
  const child = spawn(unshare[0], [...unshare.slice(1), process.execPath, bridge, '--ip', ip, '--socket', socket, '--port', '8080', ...wait, '--', process.execPath, app], {
    env: { ...process.env, PORT: '8080', APP_VERSION: 'namespaced' },
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let slirp;
  child.stdio[3].setEncoding('utf8').on('data', text => {
    if (!outbound || slirp || !text.includes('"netns"')) return;
    slirp = spawn(slirp4netns, ['--configure', '--mtu=65520', '--disable-host-loopback', '--ready-fd=3', '--exit-fd=4', String(child.pid), 'tap0'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
    slirp.stdio[3].once('data', () => child.stdio[3].write('{"start":true}\n'));
    child.once('exit', () => slirp.kill());
  });
  const ms = await firstAnswer({ socketPath: socket }, child, started);
  return { ms, child, target: { socketPath: socket } };
}

async function perRequest(target, count = 300) {
  const started = performance.now();
  for (let k = 0; k < count; k++) await get(target);
  return (performance.now() - started) / count;
}

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const max = xs => Math.max(...xs);
const modes = [['plain', plain], ['namespaced', n => namespaced(n, false)]];
if (slirp4netns) modes.push(['+outbound', n => namespaced(n, true)]);
const results = Object.fromEntries(modes.map(([name]) => [name, []]));
const latency = Object.fromEntries(modes.map(([name]) => [name, []]));
try {
  for (let n = 0; n < rounds; n++) {
    for (const [name, start] of modes) {
      const { ms, child, target } = await start(n);
      results[name].push(ms);
      if (n === 0) latency[name].push(await perRequest(target));
      await stop(child);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const load = os.loadavg().map(l => l.toFixed(2)).join(' ');
console.log(`netns-start: ${rounds} rounds, ${asRoot ? 'as root (unshare --net)' : 'as a user (unshare --user --map-root-user --net)'}, load average ${load}`);
for (const [name] of modes) {
  console.log(`  ${name.padEnd(10)} spawn → first answer: median ${median(results[name]).toFixed(0)} ms, max ${max(results[name]).toFixed(0)} ms; a GET on a fresh connection: ${latency[name][0].toFixed(2)} ms`);
}
const added = median(results.namespaced) - median(results.plain);
console.log(`  added by the namespace and its bridge: ${added.toFixed(0)} ms at start (median), ${(latency.namespaced[0] - latency.plain[0]).toFixed(2)} ms per request`);
if (slirp4netns) console.log(`  added with outbound network (slirp4netns): ${(median(results['+outbound']) - median(results.plain)).toFixed(0)} ms at start (median)`);
else console.log('  slirp4netns is not installed: no outbound network for namespaced versions, nothing more to time');
