import * as assert from 'node:assert/strict';
import { HostChannel } from '../../../src/protocol/channel';
import type { PanelDraft, PanelInit, PanelKind } from '../../../src/protocol/messages';
import { parsePageMessage } from '../../../src/protocol/schemas';

/** The page's "edits" message (dirty mark, "Save changes?" on close) as the host receives it. */
describe('protocol: unsaved edits', () => {
  function open(panel: PanelKind) {
    const seen: Array<{ dirty: boolean; draft: PanelDraft | undefined }> = [];
    const logged: string[] = [];
    const channel = new HostChannel({
      panel,
      post: () => undefined,
      loadInit: async () => ({}) as PanelInit,
      handlers: {},
      log: line => logged.push(line),
      onEdits: (dirty, draft) => seen.push({ dirty, draft }),
    });
    return { channel, seen, logged };
  }

  it('hands a valid draft of the panel\'s own kind to the host', async () => {
    const { channel, seen } = open('environment');
    const draft: PanelDraft = { panel: 'environment', rows: [{ name: 'LOG_LEVEL', value: { kind: 'text', text: 'info' } }] };
    await channel.receive({ type: 'edits', dirty: true, draft });
    await channel.receive({ type: 'edits', dirty: false });
    assert.deepEqual(seen, [{ dirty: true, draft }, { dirty: false, draft: undefined }]);
  });

  it('drops the draft of a clean page, even when one is sent', async () => {
    const { channel, seen } = open('origins');
    await channel.receive({ type: 'edits', dirty: false, draft: { panel: 'origins', origins: ['https://a.example.com'], adding: '' } });
    assert.deepEqual(seen, [{ dirty: false, draft: undefined }]);
  });

  it('refuses a draft of another panel kind, and malformed or oversized drafts', async () => {
    const { channel, seen, logged } = open('origins');
    await channel.receive({ type: 'edits', dirty: true, draft: { panel: 'environment', rows: [] } });
    await channel.receive({ type: 'edits', dirty: true, draft: { panel: 'origins', origins: 'https://a.example.com', adding: '' } });
    await channel.receive({ type: 'edits', dirty: true, draft: { panel: 'origins', origins: [], adding: 'x'.repeat(5000) } });
    await channel.receive({ type: 'edits', dirty: 'yes' });
    assert.deepEqual(seen, []);
    assert.equal(logged.length, 4, logged.join('\n'));
    assert.match(logged[0], /refused a draft of the environment panel/);
  });

  it('the schema accepts exactly the three editing panels\' drafts', () => {
    assert.ok(parsePageMessage({ type: 'edits', dirty: true, draft: { panel: 'addStage', form: { name: 'qa', provider: 'local', options: {}, database: false, requireApproval: false, branches: '' } } }).ok);
    assert.ok(!parsePageMessage({ type: 'edits', dirty: true, draft: { panel: 'database' } }).ok);
    assert.ok(!parsePageMessage({ type: 'edits', dirty: true, draft: { panel: 'origins', origins: [], adding: '', extra: 1 } }).ok);
  });
});
