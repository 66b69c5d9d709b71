import * as assert from 'node:assert/strict';
import { closeChoice, DIRTY_MARK, DONT_SAVE, originsToSave, titleFor } from '../../../../src/ui/panels/unsavedEdits';

describe('panels: unsaved edits', () => {
  it('marks a dirty title with "● " in front, and only a dirty one', () => {
    assert.equal(DIRTY_MARK, '● ');
    assert.equal(titleFor('Environment: dev (shop-api)', true), '● Environment: dev (shop-api)');
    assert.equal(titleFor('Environment: dev (shop-api)', false), 'Environment: dev (shop-api)');
  });

  it('reads the modal\'s answer: its save button saves, Don\'t Save discards, anything else reopens', () => {
    assert.equal(closeChoice('Save', 'Save'), 'save');
    assert.equal(closeChoice('Create Stage', 'Create Stage'), 'save');
    assert.equal(closeChoice(DONT_SAVE, 'Save'), 'discard');
    assert.equal(closeChoice(undefined, 'Save'), 'reopen', 'Cancel and Escape keep the edits');
    assert.equal(closeChoice('Save', 'Create Stage'), 'reopen');
  });

  it('saves the origin being typed along with the listed ones', () => {
    assert.deepEqual(originsToSave({ panel: 'origins', origins: ['https://a.example.com'], adding: '  https://b.example.com ' }), ['https://a.example.com', 'https://b.example.com']);
    assert.deepEqual(originsToSave({ panel: 'origins', origins: ['https://a.example.com'], adding: '  ' }), ['https://a.example.com']);
  });
});
