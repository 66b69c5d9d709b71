import * as assert from 'node:assert/strict';
import { CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { AwsClients } from '../../../src/aws/clients';
import { stageLogGroupName, tailCloudWatchLogs } from '../../../src/aws/logs/index';
import type { StagecraftError } from '../../../src/core/errors';
import type { LogLine } from '../../../src/core/provider';
import { startMoto, type Moto } from '../aws/support/moto';

const tick = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

const running: Array<() => void> = [];

/** Runs a tail in the background, recording every line and when each API call was made. */
function runTail(clients: AwsClients, options: Omit<Parameters<typeof tailCloudWatchLogs>[1], 'signal' | 'onCall' | 'onNotice'>) {
  const controller = new AbortController();
  const lines: LogLine[] = [];
  const calls: Array<{ operation: string; at: number }> = [];
  const notices: string[] = [];
  const done = (async () => {
    for await (const line of tailCloudWatchLogs(clients, {
      ...options,
      signal: controller.signal,
      onCall: operation => calls.push({ operation, at: Date.now() }),
      onNotice: message => notices.push(message),
    })) {
      lines.push(line);
    }
  })();
  running.push(() => controller.abort());
  return { lines, calls, notices, done, stop: () => controller.abort() };
}

async function waitUntil(what: string, probe: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await tick(50);
  }
}

describe('aws/logs tail against moto (FilterLogEvents polling)', function () {
  this.timeout(60_000);
  let moto: Moto;
  let clients: AwsClients;
  let logs: CloudWatchLogsClient;
  let group = 0;

  before(async () => {
    moto = await startMoto();
    clients = moto.clients();
    logs = await clients.logs();
  });
  // A failed test must not leave its tail polling into the next ones.
  afterEach(() => {
    for (const stop of running.splice(0)) stop();
  });
  after(async () => {
    await moto?.stop();
  });

  async function newGroup(streams: string[]): Promise<string> {
    const name = stageLogGroupName('shop', `dev${++group}`, 'app');
    await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
    for (const s of streams) await logs.send(new CreateLogStreamCommand({ logGroupName: name, logStreamName: s }));
    return name;
  }

  const put = (logGroupName: string, logStreamName: string, messages: Array<{ message: string; timestamp: number }>) =>
    logs.send(new PutLogEventsCommand({ logGroupName, logStreamName, logEvents: messages }));

  it('shows events put while tailing once, in order, none missing, including a new deployment\'s stream, at most one call a second', async () => {
    const name = await newGroup(['app/web/task-1']);
    const base = Date.now();
    await put(name, 'app/web/task-1', [{ message: 'before the tail', timestamp: base - 30_000 }]);
    const tail = runTail(clients, { logGroupName: name, follow: true, sinceMs: 60_000, liveTail: false, overlapMs: 5_000 });
    const expected = ['before the tail'];
    // Six rounds, one every 400 ms (so polls overlap the writes); a new stream from round 3 on.
    for (let round = 0; round < 6; round++) {
      const now = Date.now();
      const batch = Array.from({ length: 20 }, (_, i) => ({ message: `r${round} e${i}`, timestamp: now + i }));
      if (round === 3) await logs.send(new CreateLogStreamCommand({ logGroupName: name, logStreamName: 'app/web/task-2' }));
      await put(name, round >= 3 ? 'app/web/task-2' : 'app/web/task-1', batch);
      expected.push(...batch.map(b => b.message));
      await tick(400);
    }
    await waitUntil(`${expected.length} lines (have ${tail.lines.length})`, () => tail.lines.length >= expected.length);
    await tick(1500); // one more poll: nothing may come twice
    tail.stop();
    await tail.done;

    assert.deepEqual(tail.lines.map(l => l.text), expected);
    assert.equal(new Set(tail.lines.map(l => l.id)).size, expected.length, 'each event once, by id');
    assert.ok(tail.calls.every(c => c.operation === 'FilterLogEvents'), 'polling only');
    for (let i = 1; i < tail.calls.length; i++) {
      const gap = tail.calls[i].at - tail.calls[i - 1].at;
      assert.ok(gap >= 990, `calls ${i - 1} and ${i} only ${gap} ms apart`);
    }
  });

  it('finds an event that arrives late (timestamp before the last poll) through the overlapping window', async () => {
    const name = await newGroup(['app/web/task-1']);
    const tail = runTail(clients, { logGroupName: name, follow: true, sinceMs: 60_000, liveTail: false, overlapMs: 10_000 });
    await put(name, 'app/web/task-1', [{ message: 'on time', timestamp: Date.now() }]);
    await waitUntil('the first event', () => tail.lines.length >= 1);
    await tick(1200); // a poll has passed over this moment
    await put(name, 'app/web/task-1', [{ message: 'late by 4 s', timestamp: Date.now() - 4000 }]);
    await waitUntil('the late event', () => tail.lines.length >= 2);
    await tick(1200);
    tail.stop();
    await tail.done;
    assert.deepEqual(tail.lines.map(l => l.text), ['on time', 'late by 4 s']);
  });

  it('without follow, shows the window and ends; a filter pattern is applied by the service', async () => {
    const name = await newGroup(['app/web/task-1']);
    const now = Date.now();
    await put(name, 'app/web/task-1', [
      { message: 'too old ERROR', timestamp: now - 20 * 60_000 },
      { message: 'GET /items 200', timestamp: now - 5 * 60_000 },
      { message: 'ERROR db timeout', timestamp: now - 4 * 60_000 },
      { message: 'GET /health 200', timestamp: now - 60_000 },
    ]);
    const read = async (filter?: string) => {
      const out: string[] = [];
      for await (const l of tailCloudWatchLogs(clients, { logGroupName: name, follow: false, sinceMs: 10 * 60_000, filter })) out.push(l.text);
      return out;
    };
    assert.deepEqual(await read(), ['GET /items 200', 'ERROR db timeout', 'GET /health 200']);
    assert.deepEqual(await read('ERROR'), ['ERROR db timeout']);
  });

  it('falls back to polling when the endpoint has no Live Tail, having sent StartLiveTail without the host prefix', async () => {
    const name = await newGroup(['app/web/task-1']);
    const tail = runTail(clients, { logGroupName: name, follow: true, sinceMs: 60_000 });
    await waitUntil('the fallback notice', () => tail.notices.length > 0);
    await put(name, 'app/web/task-1', [{ message: 'after the fallback', timestamp: Date.now() }]);
    await waitUntil('the event', () => tail.lines.length >= 1);
    tail.stop();
    await tail.done;
    assert.match(tail.notices[0], /Live Tail is not available .*polling FilterLogEvents once a second/);
    // moto answers StartLiveTail with HTTP 500; with the `stream-` host prefix the call would never
    // have reached it (getaddrinfo ENOTFOUND stream-127.0.0.1).
    assert.doesNotMatch(tail.notices[0], /ENOTFOUND|stream-127/);
    assert.deepEqual(tail.calls.slice(0, 3).map(c => c.operation), ['FilterLogEvents', 'DescribeLogGroups', 'StartLiveTail']);
    assert.deepEqual(tail.lines.map(l => l.text), ['after the fallback']);
  });

  it('names a missing log group and what to do', async () => {
    const name = stageLogGroupName('shop', 'nosuch', 'access');
    await assert.rejects(
      async () => {
        for await (const _ of tailCloudWatchLogs(clients, { logGroupName: name, follow: false })) void _;
      },
      (err: StagecraftError) => err.kind === 'input' && err.message.includes(`The log group ${name} does not exist`) && /load balancer stage has none/.test(err.hint ?? ''),
    );
  });

  it('stops its calls when the signal fires', async () => {
    const name = await newGroup(['app/web/task-1']);
    const tail = runTail(clients, { logGroupName: name, follow: true, liveTail: false });
    await waitUntil('two polls', () => tail.calls.length >= 2);
    tail.stop();
    await tail.done;
    const count = tail.calls.length;
    await tick(1500);
    assert.equal(tail.calls.length, count, 'no call after the stop');
  });
});
