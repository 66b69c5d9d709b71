import * as assert from 'node:assert/strict';
import { closeChoice, DIRTY_MARK, DONT_SAVE, KeptEdits, originsToSave, REOPEN, titleFor } from '../../../../src/ui/panels/unsavedEdits';

describe('panels: unsaved edits', () => {
  it('marks a dirty title with "● " in front, and only a dirty one', () => {
    assert.equal(DIRTY_MARK, '● ');
    assert.equal(titleFor('Environment: dev (shop-api)', true), '● Environment: dev (shop-api)');
    assert.equal(titleFor('Environment: dev (shop-api)', false), 'Environment: dev (shop-api)');
  });

  it('reads the notification\'s answer: its save button saves, Don\'t Save discards, Reopen reopens, dismissed keeps', () => {
    assert.equal(closeChoice('Save', 'Save'), 'save');
    assert.equal(closeChoice('Create Stage', 'Create Stage'), 'save');
    assert.equal(closeChoice(DONT_SAVE, 'Save'), 'discard');
    assert.equal(closeChoice(REOPEN, 'Save'), 'reopen');
    assert.equal(closeChoice(undefined, 'Save'), 'keep', 'a dismissed notification keeps the edits');
    assert.equal(closeChoice('Save', 'Create Stage'), 'keep');
  });

  it('keeps the edits of a closed panel until taken back once; a later close replaces them', () => {
    const kept = new KeptEdits<string, { v: number }>();
    const first = { v: 1 };
    const second = { v: 2 };
    assert.equal(kept.take('env|dev'), undefined);
    kept.keep('env|dev', 'spec', first);
    assert.ok(kept.holds('env|dev', first));
    assert.ok(!kept.holds('env|test', first), 'per panel key');
    kept.keep('env|dev', 'spec', second);
    assert.ok(!kept.holds('env|dev', first), 'an answer to the older question finds its edits replaced');
    assert.equal(kept.take('env|dev'), second);
    assert.equal(kept.take('env|dev'), undefined, 'handed over once');
    assert.ok(!kept.holds('env|dev', second));
  });

  it('saves the origin being typed along with the listed ones', () => {
    assert.deepEqual(originsToSave({ panel: 'origins', origins: ['https://a.example.com'], adding: '  https://b.example.com ' }), ['https://a.example.com', 'https://b.example.com']);
    assert.deepEqual(originsToSave({ panel: 'origins', origins: ['https://a.example.com'], adding: '  ' }), ['https://a.example.com']);
  });
});
