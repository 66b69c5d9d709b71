import * as assert from 'node:assert/strict';
import { StagecraftError } from '../../../src/core/errors';
import { compileFilter, DEFAULT_SINCE_MS, httpStatusOf, levelOf, parseSince, RecentKeys, renderLine, startTimeOf, stripAnsi } from '../../../src/core/logs';
import { redactor } from '../../../src/core/redact';

describe('core/logs', () => {
  describe('parseSince', () => {
    it('reads durations with a unit', () => {
      assert.equal(parseSince('10m'), 600_000);
      assert.equal(parseSince(' 2h '), 7_200_000);
      assert.equal(parseSince('30s'), 30_000);
      assert.equal(parseSince('1d'), 86_400_000);
    });
    it('refuses a bare number with the form to write, and nonsense as a usage error', () => {
      assert.throws(() => parseSince('10'), (e: StagecraftError) => e.kind === 'usage' && /no unit/.test(e.message) && /10m for 10 minutes/.test(e.hint ?? ''));
      assert.throws(() => parseSince('ten minutes'), (e: StagecraftError) => e.kind === 'usage' && /--since/.test(e.message));
      assert.throws(() => parseSince('-5m'), (e: StagecraftError) => e.kind === 'usage');
    });
    it('starts 10 minutes back by default', () => {
      assert.equal(startTimeOf(undefined, 1_000_000_000), 1_000_000_000 - DEFAULT_SINCE_MS);
      assert.equal(startTimeOf(5000, 1_000_000), 995_000);
    });
  });

  describe('compileFilter (CloudWatch syntax for unstructured lines)', () => {
    const lines = ['ERROR db timeout', 'WARN slow request /items', 'INFO GET /health 200', 'ERROR Exiting: shutdown', 'Internal Server Error on /pay'];
    const pick = (pattern: string) => lines.filter(compileFilter(pattern));
    it('matches all terms, case-sensitively', () => {
      assert.deepEqual(pick('ERROR'), ['ERROR db timeout', 'ERROR Exiting: shutdown']);
      assert.deepEqual(pick('ERROR timeout'), ['ERROR db timeout']);
      assert.deepEqual(pick('error'), []);
    });
    it('?terms match any, -terms exclude, "phrases" and %regex% match as written', () => {
      assert.deepEqual(pick('?WARN ?INFO'), ['WARN slow request /items', 'INFO GET /health 200']);
      assert.deepEqual(pick('ERROR -Exiting'), ['ERROR db timeout']);
      assert.deepEqual(pick('"Server Error"'), ['Internal Server Error on /pay']);
      assert.deepEqual(pick('%^(WARN|INFO) %'), ['WARN slow request /items', 'INFO GET /health 200']);
      assert.deepEqual(pick(''), lines);
    });
    it('reports patterns it cannot evaluate', () => {
      assert.throws(() => compileFilter('{ $.level = "error" }'), (e: StagecraftError) => e.kind === 'usage' && /JSON or space-delimited/.test(e.message));
      assert.throws(() => compileFilter('"unclosed'), (e: StagecraftError) => e.kind === 'usage' && /unclosed "/.test(e.message));
      assert.throws(() => compileFilter('%(%'), (e: StagecraftError) => e.kind === 'usage' && /invalid regular expression/.test(e.message));
    });
  });

  describe('levelOf and httpStatusOf', () => {
    it('reads levels from words near the start and from structured fields', () => {
      assert.equal(levelOf('ERROR connection refused'), 'error');
      assert.equal(levelOf('[warn] pool almost full'), 'warn');
      assert.equal(levelOf('{"level":50,"msg":"boom"}'), 'error');
      assert.equal(levelOf('{"level":"debug","msg":"x"}'), 'debug');
      assert.equal(levelOf('level=warning msg="disk"'), 'warn');
      assert.equal(levelOf('TypeError: x is not a function'), 'error');
      assert.equal(levelOf('FATAL out of memory'), 'fatal');
      assert.equal(levelOf('listening on 8080'), undefined);
    });
    it('reads the status of Apache combined lines and JSON access records', () => {
      assert.equal(httpStatusOf('127.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET /items HTTP/1.1" 404 12 "-" "curl/8"'), 404);
      assert.equal(httpStatusOf('127.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "GET / HTTP/1.1" 200 - "-" "-"'), 200);
      assert.equal(httpStatusOf('{"requestId":"a","method":"POST","status":"502","length":"0"}'), 502);
      assert.equal(httpStatusOf('no status here'), undefined);
    });
  });

  describe('renderLine', () => {
    const time = new Date(2025, 0, 2, 3, 4, 5, 6).getTime();
    it('colours app lines by level, dims the time and the local prefix', () => {
      const out = renderLine({ time, text: '1a2b3c4d stderr ERROR boom' }, { kind: 'app', colour: true });
      assert.ok(out.includes('\x1b[31mERROR boom\x1b[0m'), JSON.stringify(out));
      assert.ok(out.startsWith('\x1b[2m'), 'dim time');
      assert.equal(stripAnsi(out), `2025-01-02 03:04:05.006 1a2b3c4d stderr ERROR boom`);
    });
    it('colours access lines by status class and shows them as written', () => {
      const line = (status: number) => `1.2.3.4 - - [10/Oct/2025:13:55:36 +0000] "GET / HTTP/1.1" ${status} 1 "-" "-"`;
      assert.ok(renderLine({ time, text: line(200) }, { kind: 'access', colour: true }).startsWith('\x1b[32m'));
      assert.ok(renderLine({ time, text: line(302) }, { kind: 'access', colour: true }).startsWith('\x1b[36m'));
      assert.ok(renderLine({ time, text: line(404) }, { kind: 'access', colour: true }).startsWith('\x1b[33m'));
      assert.ok(renderLine({ time, text: line(503) }, { kind: 'access', colour: true }).startsWith('\x1b[31m'));
      assert.equal(renderLine({ time, text: line(200) }, { kind: 'access', colour: false }), line(200));
    });
    it('masks secrets and keeps one line per line', () => {
      const fake = ['hunter', '2', 'xyzzy'].join('');
      redactor.add(fake);
      const out = renderLine({ time, text: `connecting with ${fake}\nnext` }, { kind: 'app', colour: false });
      assert.ok(!out.includes(fake));
      assert.ok(!out.includes('\n'));
    });
  });

  describe('RecentKeys', () => {
    it('remembers keys inside the window and forgets those before it', () => {
      const keys = new RecentKeys();
      assert.equal(keys.add('a', 100), true);
      assert.equal(keys.add('a', 100), false);
      keys.add('b', 200);
      keys.add('c', 300);
      keys.forgetBefore(200);
      assert.deepEqual([keys.has('a'), keys.has('b'), keys.has('c'), keys.size], [false, true, true, 2]);
      keys.forgetBefore(150); // never moves back
      assert.equal(keys.has('a'), false);
    });
  });
});
