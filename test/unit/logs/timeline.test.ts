import * as assert from 'node:assert/strict';
import { deployMarkers, DeployTimeline, isErrorLine, renderLine, withDeployMarkers, type DeployMarker } from '../../../src/core/logs';
import { listRuns, runPipeline } from '../../../src/core/pipeline';
import { startRollback } from '../../../src/core/rollback';
import type { LogLine } from '../../../src/core/provider';
import { makeStack, ScriptedExecutor, Temp, THREE_STAGES } from '../core/pipeline/helpers';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const OLD = 'a'.repeat(40);
const NEW = 'b'.repeat(40);

const line = (minutes: number, text: string, version?: string): LogLine => ({ time: T0 + minutes * MIN, text, ...(version ? { version } : {}) });
const deploy = (minutes: number): DeployMarker => ({ key: 'r2:deploy', time: T0 + minutes * MIN, kind: 'deploy', text: `deploy of ${NEW.slice(0, 8)} started` });
const swap = (minutes: number, key = 'r2:switch', serves = NEW, previous = OLD): DeployMarker => ({ key, time: T0 + minutes * MIN, kind: 'switch', text: `traffic switched to ${serves.slice(0, 8)}`, serves, previous });

/** What a reader sees: markers as `>> text`, lines as `[version] text`. */
const shown = (out: LogLine[]) => out.map(l => (l.marker ? `${l.marker}: ${l.text}` : `[${l.version ?? '?'}] ${l.text}`));

describe('core/logs: deployment markers merged into a log tail', () => {
  it('puts each marker between the lines at its time and tags every line with the version serving then', () => {
    const t = new DeployTimeline({ startTime: T0 - 10 * MIN, windowMs: 5 * MIN });
    t.addMarkers([swap(3), deploy(1)]);
    const out = [line(0, 'a'), line(2, 'b'), line(4, 'c'), line(4.5, 'd', 'own-version')].flatMap(l => t.line(l));
    assert.deepEqual(shown(out), [
      `[${OLD.slice(0, 12)}] a`,
      `deploy: deploy of bbbbbbbb started`,
      `[${OLD.slice(0, 12)}] b`,
      'switch: traffic switched to bbbbbbbb',
      `[${NEW.slice(0, 12)}] c`,
      '[own-version] d',
    ]);
  });

  it('a marker read again is not shown twice, and one from before the tail starts only says what served', () => {
    const t = new DeployTimeline({ startTime: T0, windowMs: 5 * MIN });
    t.addMarkers([swap(-20, 'r1:switch', OLD, 'c'.repeat(40))]);
    t.addMarkers([swap(-20, 'r1:switch', OLD, 'c'.repeat(40)), swap(2)]);
    t.addMarkers([swap(2)]);
    const out = [line(1, 'a'), line(3, 'b')].flatMap(l => t.line(l));
    assert.deepEqual(shown(out), [`[${OLD.slice(0, 12)}] a`, 'switch: traffic switched to bbbbbbbb', `[${NEW.slice(0, 12)}] b`]);
  });

  it('after a switch, sums up the error lines per minute of the window before against the window after', () => {
    const t = new DeployTimeline({ startTime: T0 - 10 * MIN, windowMs: 4 * MIN });
    t.addMarkers([swap(0)]);
    const lines = [
      line(-5, 'ERROR too early: outside the window'),
      line(-3, 'ERROR db timeout'),
      line(-2, 'GET / 200'),
      line(-1, 'TypeError: x is undefined'),
      line(-0.5, '    at f (/app/x.js:1:2)'),
      line(1, '127.0.0.1 - - [05/Jan/2026:12:01:00 +0000] "GET / HTTP/1.1" 503 12'),
      line(2, 'info all good'),
      line(5, 'first line after the window'),
    ];
    const out = shown(lines.flatMap(l => t.line(l)));
    const summaryAt = out.findIndex(s => s.startsWith('summary:'));
    assert.equal(out[summaryAt - 1], `[${NEW.slice(0, 12)}] info all good`, 'the summary comes once the window has passed…');
    assert.equal(out[summaryAt + 1], `[${NEW.slice(0, 12)}] first line after the window`, '…before the first line after it');
    assert.equal(out[summaryAt], 'summary: error lines per minute, before → after the switch to bbbbbbbb: 0.5 → 0.3 (2 in 4.0 min → 1 in 4.0 min)');
    assert.equal(out.filter(s => s.startsWith('summary:')).length, 1);
    assert.deepEqual(t.end(T0 + 60 * MIN), [], 'nothing left to sum up');
  });

  it('cuts the after-window at the end of the stream, and a second switch closes the first one’s window', () => {
    const t = new DeployTimeline({ startTime: T0 - 2 * MIN, windowMs: 5 * MIN });
    t.addMarkers([swap(0), swap(1, 'r3:switch', 'c'.repeat(40), NEW)]);
    const out = [line(0.5, 'Error: boom'), line(2, 'fine')].flatMap(l => t.line(l));
    out.push(...t.end(T0 + 3 * MIN));
    assert.deepEqual(shown(out), [
      'switch: traffic switched to bbbbbbbb',
      `[${NEW.slice(0, 12)}] Error: boom`,
      'summary: error lines per minute, before → after the switch to bbbbbbbb: 0.0 → 1.0 (0 in 2.0 min → 1 in 1.0 min)',
      'switch: traffic switched to cccccccc',
      `[${'c'.repeat(12)}] fine`,
      'summary: error lines per minute, before → after the switch to cccccccc: 1.0 → 0.0 (1 in 1.0 min → 0 in 2.0 min)',
    ]);
  });

  it('while following, a quiet log still gets the markers up to now and the summaries whose window passed', () => {
    const t = new DeployTimeline({ startTime: T0, windowMs: 1 * MIN });
    t.line(line(0, 'a'));
    t.addMarkers([deploy(1), swap(2)]);
    assert.deepEqual(shown(t.due(T0 + 1.5 * MIN)), ['deploy: deploy of bbbbbbbb started']);
    assert.deepEqual(shown(t.due(T0 + 2.5 * MIN)), ['switch: traffic switched to bbbbbbbb']);
    const later = shown(t.due(T0 + 3.5 * MIN));
    assert.equal(later.length, 1);
    assert.match(later[0], /^summary: .*0\.0 → 0\.0 \(0 in 1\.0 min → 0 in 1\.0 min\)$/);
  });

  it('counts as errors: error levels, the first line of a stack trace, HTTP 5xx; not warnings, 4xx or trace continuations', () => {
    for (const text of ['ERROR db down', '{"level":"error","msg":"x"}', 'abc123456789 stderr Error: boom', 'Traceback (most recent call last):', 'RangeError: bad', '1.2.3.4 - - [05/Jan/2026:12:00:00 +0000] "GET /x HTTP/1.1" 502 0', '{"status":500}'])
      assert.ok(isErrorLine(text), text);
    for (const text of ['WARN slow', 'GET /x 404', '1.2.3.4 - - [05/Jan/2026:12:00:00 +0000] "GET /x HTTP/1.1" 404 0', '    at f (x.js:1:2)', 'abc123456789 stdout listening on 8080'])
      assert.ok(!isErrorLine(text), text);
  });

  it('renders a marker apart from the lines, and a line the provider did not tag with its version in brackets', () => {
    assert.match(renderLine({ time: T0, text: 'traffic switched to bbbbbbbb', marker: 'switch' }, { kind: 'access', colour: false }), /^[\d: .-]+ ── ⇄ traffic switched to bbbbbbbb ──$/);
    assert.equal(renderLine({ time: T0, text: 'GET / 200', version: 'bbbbbbbbbbbb' }, { kind: 'access', colour: false }), '[bbbbbbbbbbbb] GET / 200');
    assert.match(renderLine({ time: T0, text: 'bbbbbbbbbbbb stdout hi', version: 'bbbbbbbbbbbb' }, { kind: 'app', colour: false }), /^[\d: .-]+ bbbbbbbbbbbb stdout hi$/, 'local app lines already carry it');
  });

  it('withDeployMarkers merges a plain read and sums up at its end', async () => {
    async function* source() {
      yield line(0, 'ERROR before');
      yield line(2, 'after');
    }
    const out: LogLine[] = [];
    for await (const l of withDeployMarkers(source(), async () => [swap(1)], { follow: false, startTime: T0 - MIN, windowMs: 5 * MIN, now: () => T0 + 3 * MIN })) out.push(l);
    assert.deepEqual(
      out.map(l => l.marker ?? l.text),
      ['ERROR before', 'switch', 'after', 'summary'],
    );
    assert.match(out[3].text, /0\.5 → 0\.0 \(1 in 2\.0 min → 0 in 2\.0 min\)/);
  });

  it('withDeployMarkers, following, shows a deploy recorded during the tail although the log stays quiet', async () => {
    const controller = new AbortController();
    let markers: DeployMarker[] = [];
    async function* quiet() {
      yield { time: Date.now() - 1000, text: 'hello' };
      await new Promise(resolve => controller.signal.addEventListener('abort', resolve));
    }
    const out: LogLine[] = [];
    const tail = withDeployMarkers(quiet(), async () => markers, { follow: true, startTime: Date.now() - MIN, signal: controller.signal, refreshMs: 10, quietMs: 30 });
    setTimeout(() => (markers = [{ key: 'r9:deploy', time: Date.now(), kind: 'deploy', text: 'deploy of 12345678 started' }]), 50);
    for await (const l of tail) {
      out.push(l);
      if (l.marker) controller.abort();
    }
    assert.deepEqual(out.map(l => l.marker ?? l.text), ['hello', 'deploy']);
  });

  it('reads a rollback run as "rolled back to", and a deploy whose check failed as rolled back', async function () {
    this.timeout(30_000);
    const temp = new Temp();
    try {
      const stack = makeStack(temp, THREE_STAGES);
      for (const [commit, artifact] of [[OLD, 'sha256-' + '11'.repeat(16)], [NEW, 'sha256-' + '22'.repeat(16)]]) {
        const run = await runPipeline({ stack, executor: new ScriptedExecutor({}, artifact), commit, stages: ['dev'], timing: { heartbeatMs: 50 } });
        assert.equal(run.status, 'succeeded', run.outcome);
      }
      const { handle } = await startRollback(stack, 'dev', { executor: new ScriptedExecutor(), user: 'Bob' });
      assert.equal((await handle.done).status, 'succeeded');
      const failing = new ScriptedExecutor({ 'stage:dev:health': { status: 'failed', summary: 'GET /health answered 500' } }, 'sha256-' + '33'.repeat(16));
      const bad = await runPipeline({ stack, executor: failing, commit: 'c'.repeat(40), stages: ['dev'], timing: { heartbeatMs: 50 } });
      assert.equal(bad.status, 'failed');
      const markers = deployMarkers(await listRuns(stack.root), 'dev');
      const rollback = markers.find(m => m.key.endsWith(':switch') && m.kind === 'rollback');
      assert.match(rollback?.text ?? '', /^rolled back to aaaaaaaa: traffic switched to it \(run \S+; was bbbbbbbb\)$/);
      assert.equal(rollback?.serves, OLD);
      assert.ok(markers.some(m => /^rollback deploy of aaaaaaaa started/.test(m.text)));
      const failed = markers.find(m => m.key.endsWith(':rolled-back'));
      assert.match(failed?.text ?? '', /^deploy of cccccccc rolled back: dev keeps aaaaaaaa \(.*\)$/);
      assert.equal(failed?.serves, undefined, 'traffic never moved');
    } finally {
      temp.cleanup();
    }
  });

  it('reads the markers of a stage from real run records: deploy started, approved by, traffic switched', async function () {
    this.timeout(30_000);
    const temp = new Temp();
    try {
      const stack = makeStack(temp, THREE_STAGES);
      for (const [commit, artifact] of [[OLD, 'sha256-' + '11'.repeat(16)], [NEW, 'sha256-' + '22'.repeat(16)]]) {
        const run = await runPipeline({ stack, executor: new ScriptedExecutor({}, artifact), commit, autoApprove: { by: 'Ann' }, timing: { heartbeatMs: 50 } });
        assert.equal(run.status, 'succeeded', run.outcome);
      }
      const runs = await listRuns(stack.root);
      const prod = deployMarkers(runs, 'prod');
      assert.deepEqual(
        prod.map(m => m.kind),
        ['approval', 'deploy', 'switch', 'approval', 'deploy', 'switch'],
      );
      assert.match(prod[3].text, /^bbbbbbbb approved by Ann \(auto-approved\)$/);
      assert.match(prod[4].text, /^deploy of bbbbbbbb started \(run \S+\)$/);
      assert.match(prod[5].text, /^traffic switched to bbbbbbbb \(run \S+; was aaaaaaaa\)$/);
      assert.equal(prod[5].serves, NEW);
      assert.ok(prod.every((m, i) => i === 0 || m.time >= prod[i - 1].time), 'oldest first');
      assert.ok(!deployMarkers(runs, 'dev').some(m => m.kind === 'approval'), 'dev has no gate');
    } finally {
      temp.cleanup();
    }
  });
});
