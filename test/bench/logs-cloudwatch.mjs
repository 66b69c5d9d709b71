// CloudWatch Logs polling tail against moto (python3 -m moto.server on 127.0.0.1): 1,000 events
// put while tailing, in batches over two log streams (the second appears mid-way, as a new
// deployment's would), some with timestamps a few seconds late. Targets (issue 7): at most one API
// call per second per tail; 0 duplicates and 0 gaps over 1,000 events.
// Runs the default path (Live Tail first; moto lacks it, so the tail falls back to polling).
//   node test/bench/logs-cloudwatch.mjs [--events 1000]
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '../..');
require('tsx/cjs/api').register();
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { AwsClients } = require(path.join(root, 'src/aws/clients.ts'));
const { tailCloudWatchLogs, stageLogGroupName } = require(path.join(root, 'src/aws/logs/index.ts'));
const { CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } = require('@aws-sdk/client-cloudwatch-logs');

const i = process.argv.indexOf('--events');
const total = i > 0 ? Number(process.argv[i + 1]) : 1000;
const tick = ms => new Promise(r => setTimeout(r, ms));

const port = await new Promise((resolve, reject) => {
  const s = createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const moto = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
const clients = new AwsClients({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 2 });
try {
  const logs = await clients.logs();
  for (let tries = 0; ; tries++) {
    try {
      await logs.send(new CreateLogGroupCommand({ logGroupName: stageLogGroupName('bench', 'prod', 'app') }));
      break;
    } catch (err) {
      if (tries > 100) throw err;
      await tick(100);
    }
  }
  const group = stageLogGroupName('bench', 'prod', 'app');
  await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'app/web/task-1' }));

  const controller = new AbortController();
  const calls = [];
  const notices = [];
  const seen = [];
  const tail = (async () => {
    for await (const line of tailCloudWatchLogs(clients, {
      logGroupName: group,
      follow: true,
      sinceMs: 60_000,
      signal: controller.signal,
      onCall: op => calls.push({ op, at: Date.now() }),
      onNotice: n => notices.push(n),
    })) {
      seen.push(line);
    }
  })();

  // Put `total` events: 25 per batch every 250 ms (100 events/s), a new stream from the middle on,
  // every 7th batch stamped 3 s in the past (late arrival).
  const started = Date.now();
  const messages = [];
  for (let n = 0, batch = 0; n < total; batch++) {
    const stream = n >= total / 2 ? 'app/web/task-2' : 'app/web/task-1';
    if (n >= total / 2 && n - 25 < total / 2) await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
    const base = Date.now() - (batch % 7 === 6 ? 3000 : 0);
    const events = [];
    for (let k = 0; k < 25 && n < total; k++, n++) {
      const message = `event ${String(n).padStart(5, '0')}`;
      events.push({ timestamp: base + k, message });
      messages.push(message);
    }
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: events }));
    await tick(250);
  }
  const putDone = Date.now();
  const deadline = Date.now() + 20_000;
  while (new Set(seen.map(l => l.text)).size < total && Date.now() < deadline) await tick(100);
  await tick(2500); // two more polls: anything shown twice would show now
  controller.abort();
  await tail;

  const counts = new Map();
  for (const l of seen) counts.set(l.text, (counts.get(l.text) ?? 0) + 1);
  const duplicates = [...counts.values()].reduce((a, c) => a + (c - 1), 0);
  const gaps = messages.filter(m => !counts.has(m)).length;
  const seconds = (calls.at(-1).at - calls[0].at) / 1000;
  let maxInWindow = 0;
  for (let a = 0, b = 0; b < calls.length; b++) {
    while (calls[b].at - calls[a].at >= 1000) a++;
    maxInWindow = Math.max(maxInWindow, b - a + 1);
  }
  const minGap = Math.min(...calls.slice(1).map((c, k) => c.at - calls[k].at));
  const byOp = calls.reduce((m, c) => ((m[c.op] = (m[c.op] ?? 0) + 1), m), {});
  console.log(`CloudWatch tail (moto, ${notices.length ? 'Live Tail unavailable → polling' : 'Live Tail'}): ${total} events put over ${((putDone - started) / 1000).toFixed(1)} s on 2 streams, 1 in 7 batches 3 s late`);
  console.log(`  API calls: ${calls.length}, first to last ${seconds.toFixed(1)} s = ${((calls.length - 1) / seconds).toFixed(2)}/s; at most ${maxInWindow} in any 1 s window; closest two ${minGap} ms apart (${Object.entries(byOp).map(([k, v]) => `${k} ${v}`).join(', ')})`);
  console.log(`  duplicates: ${duplicates}, gaps: ${gaps}, shown: ${seen.length} (target: ≤ 1 call/s, 0 and 0)`);
  const ok = maxInWindow <= 1 && duplicates === 0 && gaps === 0;
  console.log(`  ${ok ? 'PASS' : 'FAIL'}`);
  process.exitCode = ok ? 0 : 1;
} finally {
  await clients.destroy();
  moto.kill('SIGTERM');
}
