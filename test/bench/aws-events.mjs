// Stack event → line latency, and no event shown twice or missed.
// Target (issue 4): ≤ 2 s from the moment CloudFormation records an event to its line in the
// run's output, with no duplicated or missing events.
//   node test/bench/aws-events.mjs [--updates 30]
// Needs python3 with moto (pip install "moto[server]"). Loads the sources through tsx.
// How: a driver updates a stack in moto at random moments (each update records events), while
// the product's follower (StackEventFollower, polling every EVENT_POLL_MS as a deploy does) turns
// events into lines written to a file. Latency = line written − event Timestamp (moto stamps
// events with this machine's clock). At the end every recorded event is compared with the lines.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '../..');
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
require('tsx/cjs/api').register();
const load = rel => require(path.join(root, `${rel}.ts`));
const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const UPDATES = option('updates', 30);
const TARGET_MS = 2000;

const { AwsClients } = load('src/aws/clients');
const { StackEventFollower, formatEvent } = load('src/aws/cfn/events');
const { EVENT_POLL_MS } = load('src/aws/cfn/deployStack');
const { sleep } = load('src/aws/wait');
const { CreateStackCommand, UpdateStackCommand, DescribeStackEventsCommand } = require(path.join(root, 'node_modules/@aws-sdk/client-cloudformation'));

if (spawnSync('python3', ['-c', 'import moto.server']).status !== 0) {
  console.log('moto is not installed for python3: pip install "moto[server]"');
  process.exit(1);
}
const port = await new Promise(resolve => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const moto = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
const stopMoto = () => moto.exitCode === null && moto.kill('SIGTERM');
process.on('exit', stopMoto);
const up = () => new Promise(r => new Socket().once('connect', function () { this.destroy(); r(true); }).once('error', () => r(false)).connect(port, '127.0.0.1'));
for (let i = 0; !(await up()); i++) {
  if (i > 200) throw new Error('moto did not start');
  await new Promise(r => setTimeout(r, 100));
}
const options = { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
const driverClients = new AwsClients(options);
const followerClients = new AwsClients(options);
const cf = await driverClients.cloudFormation();
const body = JSON.stringify({ AWSTemplateFormatVersion: '2010-09-09', Resources: { Logs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/bench/events' } } } });
const { StackId } = await cf.send(new CreateStackCommand({ StackName: 'bench-events', TemplateBody: body }));

// The follower, as a deploy runs it: baseline, then a poll every EVENT_POLL_MS, each new event a line.
const dir = mkdtempSync(path.join(os.tmpdir(), 'stagecraft-events-'));
const out = createWriteStream(path.join(dir, 'run.log'));
const latencies = [];
const shown = [];
const follower = new StackEventFollower(followerClients, StackId, 'bench-events', e => {
  out.write(`${formatEvent(e)}\n`);
  latencies.push(Date.now() - e.time.getTime());
  shown.push(e.id);
});
await follower.baseline();
const benchStart = Date.now();
let driving = true;
const following = (async () => {
  while (driving) {
    await follower.poll();
    await sleep(EVENT_POLL_MS);
  }
  await follower.poll();
})();

// The driver: updates at random moments, so events land anywhere in the polling cycle.
for (let i = 0; i < UPDATES; i++) {
  await sleep(200 + Math.random() * 1300);
  await cf.send(new UpdateStackCommand({ StackName: 'bench-events', TemplateBody: body }));
}
await sleep(EVENT_POLL_MS + 500);
driving = false;
await following;
out.end();

// Every event recorded since the start, against what was shown.
const recorded = [];
let token;
do {
  const page = await cf.send(new DescribeStackEventsCommand({ StackName: StackId, NextToken: token }));
  recorded.push(...page.StackEvents.filter(e => e.Timestamp.getTime() >= benchStart - 5));
  token = page.NextToken;
} while (token);
const shownSet = new Set(shown);
const missing = recorded.filter(e => !shownSet.has(e.EventId)).length;
const duplicates = shown.length - shownSet.size;

latencies.sort((a, b) => a - b);
const pct = p => latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))];
console.log(`${UPDATES} stack updates → ${recorded.length} events recorded, ${shown.length} lines shown; polling every ${EVENT_POLL_MS} ms`);
console.log(`event → line latency: median ${pct(50)} ms, p95 ${pct(95)} ms, max ${latencies.at(-1)} ms`);
console.log(`duplicated lines: ${duplicates}; missing events: ${missing}`);
console.log(`target ≤ ${TARGET_MS} ms, none duplicated or missing: ${latencies.at(-1) <= TARGET_MS && duplicates === 0 && missing === 0 ? 'met' : 'NOT met'}`);
await driverClients.destroy();
await followerClients.destroy();
rmSync(dir, { recursive: true, force: true });
stopMoto();
process.exit(0);
