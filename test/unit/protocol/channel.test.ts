import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseStackFile } from '../../../src/core/config/load';
import { StagecraftError } from '../../../src/core/errors';
import { Providers } from '../../../src/core/providers';
import { HostChannel, type RequestHandlers } from '../../../src/protocol/channel';
import type { HostMessage, PanelInit, PanelKind } from '../../../src/protocol/messages';
import { addStageHandlers } from '../../../src/protocol/host/addStage';
import { environmentHandlers, readDockerfileEnv } from '../../../src/protocol/host/environment';
import { originsHandlers } from '../../../src/protocol/host/origins';
import { fileStackPort } from '../../../src/protocol/host/stackFile';
import { TempDirs } from '../core/support/tempDir';
import { builtinProviders } from '../support/providers';
import { writeStack } from './fixture';

/**
 * The host's end of the protocol fed what a hostile or broken page could send, with the real
 * handlers writing a real stagecraft.yaml in a temp folder: every request gets exactly one reply,
 * refusals are error replies, and the file is left byte for byte as it was.
 */
describe('protocol: host channel', () => {
  const temp = new TempDirs();
  let file: string;
  let original: string;

  beforeEach(() => {
    file = writeStack(temp.make('stagecraft-panels-'));
    original = readFileSync(file, 'utf8');
  });

  after(() => temp.cleanup());

  /** These panels' handlers run with no provider registered: what needs one answers "not available". */
  const noProviders = new Providers();

  function open(panel: PanelKind, extra: RequestHandlers = {}) {
    const posted: HostMessage[] = [];
    const logged: string[] = [];
    const port = fileStackPort(file);
    const channel = new HostChannel({
      panel,
      post: m => posted.push(m),
      loadInit: async () => ({ panel: 'origins', header: { stack: 'shop-api', stage: 'dev', provider: 'local', providerAvailable: false }, origins: [], revision: 'x' }) as PanelInit,
      handlers: {
        ...addStageHandlers(port, builtinProviders()),
        ...environmentHandlers(port, 'dev', readDockerfileEnv, noProviders),
        ...originsHandlers(port, 'prod'),
        ...extra,
      },
      log: line => logged.push(line),
    });
    return { channel, posted, logged };
  }

  const replies = (posted: HostMessage[]) => posted.filter((m): m is Extract<HostMessage, { type: 'reply' }> => m.type === 'reply');
  const unchanged = () => assert.equal(readFileSync(file, 'utf8'), original, 'stagecraft.yaml is untouched');

  it('posts nothing before the page is ready, then the panel data once per ready', async () => {
    const { channel, posted } = open('origins');
    await channel.refresh();
    await channel.receive({ type: 'interactive' });
    assert.equal(posted.length, 0);
    await channel.receive({ type: 'ready' });
    assert.equal(posted.length, 1);
    assert.equal(posted[0].type, 'init');
    await channel.refresh();
    assert.equal(posted.length, 2);
  });

  it('drops malformed messages without an id, logging why', async () => {
    const { channel, posted, logged } = open('environment');
    for (const raw of [null, undefined, 42, 'ready', [], {}, { type: 'nope' }, { type: 'ready', extra: 1 }, { type: 'request' }, { type: 'request', id: -1 }, { type: 'request', id: 1.5 }]) {
      await channel.receive(raw);
    }
    assert.deepEqual(posted, []);
    assert.equal(logged.length, 11);
    assert.ok(logged.every(l => /refused a message: malformed message/.test(l)), logged.join('\n'));
    unchanged();
  });

  it('answers malformed requests that carry an id with one protocol error each, writing nothing', async () => {
    const { channel, posted } = open('environment');
    const hostile: unknown[] = [
      { type: 'request', id: 1, request: { kind: 'environment.save', params: { rows: [{ name: 'A', value: 'plain' }] } } },
      { type: 'request', id: 2, request: { kind: 'environment.save', params: { rows: [], extra: true } } },
      { type: 'request', id: 3, request: { kind: 'environment.save', params: { rows: [{ name: 'A', value: { kind: 'text', text: 'x'.repeat(40_000) } }] } } },
      { type: 'request', id: 4, request: { kind: 'environment.save', params: JSON.parse('{"rows":[],"__proto__":{"polluted":true}}') } },
      { type: 'request', id: 5, request: { kind: 'shell.exec', params: { command: 'rm -rf /' } } },
      { type: 'request', id: 6, request: { kind: 'environment.save' } },
      { type: 'request', id: 7, request: { kind: 'environment.save', params: { rows: new Array(1001).fill({ name: 'A', value: { kind: 'text', text: '' } }) } } },
      { type: 'request', id: 8, request: { kind: 'addStage.create', params: { form: { name: 'n'.repeat(300), provider: 'local', options: {}, database: false, requireApproval: false, branches: '' } } } },
      { type: 'request', id: 9, request: { kind: 'addStage.create', params: { form: { name: 'qa', provider: 'gcp', options: { region: 7 }, database: false, requireApproval: false, branches: '' } } } },
    ];
    for (const raw of hostile) await channel.receive(raw);
    const got = replies(posted);
    assert.deepEqual(got.map(r => r.id), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const r of got) {
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.error.kind, 'protocol', JSON.stringify(r));
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    unchanged();
  });

  it('refuses a request the panel may not make, even a well-formed one', async () => {
    const { channel, posted } = open('environment');
    await channel.receive({ type: 'request', id: 11, request: { kind: 'origins.save', params: { origins: ['https://evil.example.com'] } } });
    await channel.receive({ type: 'request', id: 12, request: { kind: 'database.reveal', params: {} } });
    const got = replies(posted);
    assert.equal(got.length, 2);
    for (const r of got) {
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.error.message, /The environment panel cannot send/);
    }
    unchanged();
  });

  it('turns values the core rules refuse into input errors with per-field problems, writing nothing', async () => {
    const { channel, posted } = open('environment');
    await channel.receive({
      type: 'request',
      id: 21,
      request: { kind: 'environment.save', params: { rows: [{ name: '1BAD', value: { kind: 'text', text: 'x' } }, { name: 'PORT', value: { kind: 'text', text: '1' } }, { name: 'OK', value: { kind: 'secret', secret: 'has space' } }] } },
    });
    const [r] = replies(posted);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.kind, 'input');
    assert.match(r.error.fields!['rows.0.name'], /"1BAD" is not a valid environment variable name/);
    assert.match(r.error.fields!['rows.1.name'], /set by Stagecraft/);
    assert.match(r.error.fields!['rows.2.value'], /not a secret name/);
    unchanged();
  });

  it('refuses hostile origins and Add Stage names by the core rules', async () => {
    const origins = open('origins');
    await origins.channel.receive({ type: 'request', id: 31, request: { kind: 'origins.save', params: { origins: ['javascript:alert(1)', 'https://a.example.com/path', 'https://ok.example.com', 'https://OK.example.com'] } } });
    const [o] = replies(origins.posted);
    assert.equal(o.ok, false);
    if (!o.ok) {
      assert.deepEqual(Object.keys(o.error.fields!).sort(), ['origins.0', 'origins.1', 'origins.3']);
      assert.match(o.error.fields!['origins.0'], /is not an origin/);
      assert.match(o.error.fields!['origins.3'], /already listed/);
    }
    const add = open('addStage');
    const form = { provider: 'local', options: {}, database: false, requireApproval: false, branches: '' };
    await add.channel.receive({ type: 'request', id: 32, request: { kind: 'addStage.create', params: { form: { ...form, name: '<img src=x onerror=alert(1)>' } } } });
    await add.channel.receive({ type: 'request', id: 33, request: { kind: 'addStage.create', params: { form: { ...form, name: 'DEV' } } } });
    await add.channel.receive({ type: 'request', id: 34, request: { kind: 'addStage.create', params: { form: { ...form, name: 'qa', after: 'nowhere', branches: 'release/*, two words' } } } });
    const [a, b, c] = replies(add.posted);
    assert.ok(!a.ok && /is not a valid stage name/.test(a.error.fields!.name));
    assert.ok(!b.ok && /already has a stage named "DEV"/.test(b.error.fields!.name));
    assert.ok(!c.ok && /no stage named "nowhere"/.test(c.error.fields!.after) && /"two words" is not a branch pattern/.test(c.error.fields!.branches));
    unchanged();
  });

  it('writes what is valid, comments kept, and a value full of YAML and HTML comes back exactly', async () => {
    const { channel, posted } = open('environment');
    const nasty = '<img src=x onerror=alert(1)>: - [a, {b: c}] # not a comment\n"quoted" \'too\'';
    await channel.receive({
      type: 'request',
      id: 41,
      request: { kind: 'environment.save', params: { rows: [{ name: 'LOG_LEVEL', value: { kind: 'text', text: 'debug' } }, { name: 'NASTY', value: { kind: 'text', text: nasty } }, { name: 'API_KEY', value: { kind: 'secret', secret: 'shop/api-key' } }] } },
    });
    const [r] = replies(posted);
    assert.ok(r.ok, JSON.stringify(r));
    if (r.ok) assert.equal((r.result as { changed: number }).changed, 2);
    const text = readFileSync(file, 'utf8');
    const stack = parseStackFile(text, file).stack!;
    assert.deepEqual(stack.stages[0].env, { LOG_LEVEL: 'debug', NASTY: nasty, API_KEY: { secret: 'shop/api-key' } });
    assert.ok(text.includes('provider: local   # runs on this machine'));
    assert.ok(text.includes('# Production: a person approves each promotion.'));
    assert.deepEqual(stack.stages.slice(1), parseStackFile(original, file).stack!.stages.slice(1), 'other stages are untouched');
  });

  it('answers errors thrown by handlers as replies: unavailable providers with their hint, secrets redacted', async () => {
    const { channel, posted } = open('environment', {
      'environment.apply': async () => {
        await new Providers().get('aws', 'Apply environment variables to dev');
        return { applied: true };
      },
      'stack.open': () => {
        throw new StagecraftError('could not open: password=hunter2hunter2 in the way');
      },
    });
    await channel.receive({ type: 'request', id: 51, request: { kind: 'environment.apply', params: {} } });
    await channel.receive({ type: 'request', id: 52, request: { kind: 'stack.open', params: {} } });
    const [apply, openFile] = replies(posted);
    assert.ok(!apply.ok && apply.error.kind === 'unavailable');
    if (!apply.ok) {
      assert.equal(apply.error.message, 'Apply environment variables to dev: this Stagecraft has no "aws" provider.');
      assert.equal(apply.error.hint, 'No provider is registered.');
    }
    assert.ok(!openFile.ok && !openFile.error.message.includes('hunter2'), JSON.stringify(openFile));
  });

  it('keeping a value as a secret needs the provider: without it the answer is "not available" and nothing is written', async () => {
    const { channel, posted } = open('environment');
    await channel.receive({ type: 'request', id: 81, request: { kind: 'environment.keepSecret', params: { name: 'API_TOKEN', value: 'not-a-real-token-value' } } });
    await channel.receive({ type: 'request', id: 82, request: { kind: 'environment.keepSecret', params: { name: 'BAD NAME', value: 'x' } } });
    await channel.receive({ type: 'request', id: 83, request: { kind: 'environment.keepSecret', params: { name: 'EMPTY', value: '' } } });
    const [stored, badName, empty] = replies(posted);
    assert.ok(!stored.ok && stored.error.kind === 'unavailable' && /Keep API_TOKEN as a secret of dev: this Stagecraft has no "local" provider/.test(stored.error.message), JSON.stringify(stored));
    assert.ok(!badName.ok && badName.error.kind === 'input');
    assert.ok(!empty.ok && empty.error.kind === 'protocol');
    unchanged();
  });

  it('answers each id once even when requests overlap; saves run one after another', async () => {
    const { channel, posted } = open('origins');
    const save = (id: number, origins: string[]) => channel.receive({ type: 'request', id, request: { kind: 'origins.save', params: { origins } } });
    await Promise.all([
      save(61, ['https://shop.example.com', 'https://a.example.com']),
      save(62, ['https://shop.example.com', 'https://a.example.com', 'https://b.example.com']),
      channel.receive({ type: 'request', id: 63, request: { kind: 'origins.check', params: { origins: ['nope'] } } }),
    ]);
    const got = replies(posted);
    assert.deepEqual(got.map(r => r.id).sort(), [61, 62, 63]);
    assert.ok(got.every(r => r.ok));
    const prod = parseStackFile(readFileSync(file, 'utf8'), file).stack!.stages[2];
    assert.deepEqual(prod.origins, ['https://shop.example.com', 'https://a.example.com', 'https://b.example.com']);
  });

  it('says nothing after it is disposed', async () => {
    const { channel, posted } = open('origins');
    await channel.receive({ type: 'ready' });
    channel.dispose();
    await channel.receive({ type: 'request', id: 71, request: { kind: 'origins.check', params: { origins: [] } } });
    await channel.refresh();
    assert.equal(posted.length, 1);
  });
});
