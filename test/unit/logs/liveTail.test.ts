import * as assert from 'node:assert/strict';
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
  StartLiveTailCommand,
  type StartLiveTailResponseStream,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsClients } from '../../../src/aws/clients';
import { tailCloudWatchLogs } from '../../../src/aws/logs/index';
import type { LogLine } from '../../../src/core/provider';

/**
 * Live Tail at the SDK boundary: moto does not implement StartLiveTail, so these tests give the SDK
 * the response shapes of the CloudWatch Logs API reference (StartLiveTail: a responseStream of
 * sessionStart, sessionUpdate { sessionMetadata, sessionResults[] }, SessionTimeoutException,
 * SessionStreamingException; LiveTailSessionLogEvent has no event id).
 */
// The SDK's notice about Node 22 is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const GROUP = '/stagecraft/shop/prod/app';
const ARN = 'arn:aws:logs:us-east-1:123456789012:log-group:/stagecraft/shop/prod/app';
const STREAM = 'app/web/0f1e2d3c';

const tick = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

function polled(id: string, timestamp: number, message: string, logStreamName = STREAM) {
  return { eventId: id, logStreamName, timestamp, message, ingestionTime: timestamp + 5 };
}

function live(timestamp: number, message: string, logStreamName = STREAM) {
  return { logStreamName, logGroupIdentifier: ARN, timestamp, message, ingestionTime: timestamp + 5 };
}

/** A Live Tail response stream: the given items, then open until `end` resolves (or the tail stops). */
function session(items: StartLiveTailResponseStream[], end: Promise<unknown> = new Promise(() => undefined)) {
  return {
    $metadata: {},
    responseStream: (async function* () {
      for (const item of items) {
        await tick(5);
        yield item;
      }
      const last = await end;
      if (last instanceof Error) throw last;
    })(),
  };
}

const sessionStart = (): StartLiveTailResponseStream => ({
  sessionStart: { requestId: 'r-1', sessionId: 's-1', logGroupIdentifiers: [ARN] },
});
const update = (events: ReturnType<typeof live>[], sampled = false): StartLiveTailResponseStream => ({
  sessionUpdate: { sessionMetadata: { sampled }, sessionResults: events },
});

function start(clients: AwsClients, options: Partial<Parameters<typeof tailCloudWatchLogs>[1]> = {}) {
  const controller = new AbortController();
  const lines: LogLine[] = [];
  const notices: string[] = [];
  const calls: string[] = [];
  const done = (async () => {
    for await (const line of tailCloudWatchLogs(clients, {
      logGroupName: GROUP,
      follow: true,
      sinceMs: 60_000,
      minCallIntervalMs: 20,
      signal: controller.signal,
      onNotice: n => notices.push(n),
      onCall: c => calls.push(c),
      ...options,
    })) {
      lines.push(line);
    }
  })();
  return { lines, notices, calls, done, stop: () => controller.abort() };
}

async function waitUntil(what: string, probe: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await tick(10);
  }
}

describe('aws/logs Live Tail (SDK boundary, aws-sdk-client-mock)', () => {
  // Created in `before`, restored in `after`: mockClient stubs every CloudWatchLogsClient, and other
  // files in the same run (the moto tests) need the real one.
  const createMock = () => mockClient(CloudWatchLogsClient);
  let mock: ReturnType<typeof createMock>;
  before(() => {
    mock = createMock();
  });
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  let clients: AwsClients;
  let t0 = Date.now();

  beforeEach(() => {
    t0 = Date.now();
    mock.reset();
    clients = new AwsClients({ region: 'us-east-1', credentials });
    mock.on(DescribeLogGroupsCommand).resolves({ logGroups: [{ logGroupName: GROUP, arn: `${ARN}:*`, logGroupArn: ARN }] });
  });
  afterEach(() => clients.destroy());
  after(() => mock.restore());

  it('backfills with FilterLogEvents, joins Live Tail without a gap or a duplicate, then streams', async () => {
    mock
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [polled('1', t0 - 30_000, 'from ten minutes of history')] })
      // The join pass after the session started: one event from before it, one Live Tail also sends.
      .resolvesOnce({ events: [polled('2', t0 - 1000, 'between poll and session'), polled('3', t0, 'both sources')] })
      .resolves({ events: [] });
    mock.on(StartLiveTailCommand).resolves(session([sessionStart(), update([live(t0, 'both sources'), live(t0 + 10, 'live one')]), update([live(t0 + 20, 'live two')])]));

    const tail = start(clients, { filter: 'ERROR ?timeout' });
    await waitUntil('four lines', () => tail.lines.length >= 4);
    await tick(100);
    tail.stop();
    await tail.done;

    assert.deepEqual(tail.lines.map(l => l.text), ['from ten minutes of history', 'between poll and session', 'both sources', 'live one', 'live two']);
    assert.deepEqual(tail.calls, ['FilterLogEvents', 'DescribeLogGroups', 'StartLiveTail', 'FilterLogEvents'], 'no polling while Live Tail streams');
    const input = mock.commandCalls(StartLiveTailCommand)[0].args[0].input;
    assert.deepEqual(input.logGroupIdentifiers, [ARN]);
    assert.equal(input.logEventFilterPattern, 'ERROR ?timeout');
    assert.equal(mock.commandCalls(FilterLogEventsCommand)[0].args[0].input.filterPattern, 'ERROR ?timeout');
    assert.deepEqual(tail.notices, []);
  });

  it('sends StartLiveTail through a client with disableHostPrefix when an endpoint override is set', async () => {
    mock.on(FilterLogEventsCommand).resolves({ events: [] });
    mock.on(StartLiveTailCommand).resolves(session([sessionStart()]));
    const overridden = new AwsClients({ region: 'us-east-1', credentials, endpoint: 'http://127.0.0.1:4566' });
    const tail = start(overridden);
    await waitUntil('the session', () => mock.commandCalls(StartLiveTailCommand).length > 0);
    tail.stop();
    await tail.done;
    await overridden.destroy();
    const liveClient = mock.commandCalls(StartLiveTailCommand)[0].thisValue as CloudWatchLogsClient;
    assert.equal(liveClient.config.disableHostPrefix, true, 'no `streaming-` host prefix on an emulator');
    const pollClient = mock.commandCalls(FilterLogEventsCommand)[0].thisValue as CloudWatchLogsClient;
    assert.equal(await pollClient.config.region(), await liveClient.config.region(), 'same region');

    mock.resetHistory();
    const plain = start(clients);
    await waitUntil('the session', () => mock.commandCalls(StartLiveTailCommand).length > 0);
    plain.stop();
    await plain.done;
    assert.equal((mock.commandCalls(StartLiveTailCommand)[0].thisValue as CloudWatchLogsClient).config.disableHostPrefix, false, 'AWS itself keeps its host prefix');
  });

  it('falls back to FilterLogEvents polling when Live Tail is not permitted, and says so once', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform: logs:StartLiveTail'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    mock.on(StartLiveTailCommand).rejects(denied);
    mock
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [polled('1', t0, 'history')] })
      .resolvesOnce({ events: [polled('1', t0, 'history'), polled('2', t0 + 1, 'polled after the fallback')] })
      .resolves({ events: [polled('2', t0 + 1, 'polled after the fallback'), polled('3', t0 + 2, 'and the next')] });
    const tail = start(clients);
    await waitUntil('three lines', () => tail.lines.length >= 3);
    await tick(100);
    tail.stop();
    await tail.done;
    assert.deepEqual(tail.lines.map(l => l.text), ['history', 'polled after the fallback', 'and the next']);
    assert.equal(tail.notices.length, 1);
    assert.match(tail.notices[0], /Live Tail is not available \(AccessDeniedException \(HTTP 400\): User is not authorized to perform: logs:StartLiveTail\); polling/);
    assert.ok(tail.calls.filter(c => c === 'FilterLogEvents').length >= 3);
  });

  it('takes over with polling when a session breaks off, without repeating what Live Tail showed', async () => {
    let breakOff: (e: Error) => void = () => undefined;
    const broken = new Promise<Error>(resolve => (breakOff = resolve));
    mock.on(StartLiveTailCommand).resolves(session([sessionStart(), update([live(t0 + 10, 'live a'), live(t0 + 20, 'live b')])], broken));
    mock
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [] })
      .resolvesOnce({ events: [] })
      // After the break the poll reaches back over what Live Tail already showed.
      .resolves({ events: [polled('7', t0 + 10, 'live a'), polled('8', t0 + 20, 'live b'), polled('9', t0 + 30, 'after the break')] });
    const tail = start(clients);
    await waitUntil('two live lines', () => tail.lines.length >= 2);
    breakOff(Object.assign(new Error('stream reset'), { name: 'SessionStreamingException' }));
    await waitUntil('the polled line', () => tail.lines.length >= 3);
    await tick(100);
    tail.stop();
    await tail.done;
    assert.deepEqual(tail.lines.map(l => l.text), ['live a', 'live b', 'after the break']);
    assert.match(tail.notices[0], /SessionStreamingException/);
  });

  it('starts a new session when AWS ends one (3-hour limit), and reports sampling once', async () => {
    mock
      .on(StartLiveTailCommand)
      .resolvesOnce(session([sessionStart(), update([live(t0 + 1, 'first session')], true), update([live(t0 + 2, 'still sampled')], true), { SessionTimeoutException: { name: 'SessionTimeoutException', message: 'Session timed out', $fault: 'client' } as never }]))
      .resolves(session([sessionStart(), update([live(t0 + 3, 'second session')])]));
    mock.on(FilterLogEventsCommand).resolves({ events: [] });
    const tail = start(clients);
    await waitUntil('three lines', () => tail.lines.length >= 3);
    tail.stop();
    await tail.done;
    assert.deepEqual(tail.lines.map(l => l.text), ['first session', 'still sampled', 'second session']);
    assert.equal(mock.commandCalls(StartLiveTailCommand).length, 2);
    assert.deepEqual(tail.notices, ['Live Tail is sampling this log group (more than 500 events a second): some events are not shown.']);
  });

  it('ends an idle session at once when the terminal closes', async () => {
    mock.on(FilterLogEventsCommand).resolves({ events: [] });
    mock.on(StartLiveTailCommand).resolves(session([sessionStart()]));
    const tail = start(clients);
    await waitUntil('the session', () => tail.calls.includes('StartLiveTail'));
    await tick(50);
    const stopped = Date.now();
    tail.stop();
    await tail.done;
    assert.ok(Date.now() - stopped < 200, `ended after ${Date.now() - stopped} ms`);
    const calls = tail.calls.length;
    await tick(200);
    assert.equal(tail.calls.length, calls, 'no calls after the stop');
  });
});
