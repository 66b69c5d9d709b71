import * as assert from 'node:assert/strict';
import { carryEdit } from '../../../../src/core/config/patch';

/** carryEdit on hand-written prints: what the printer normalised stays as the user wrote it. */
describe('config/patch: carryEdit', () => {
  it('returns the original itself when the prints are equal', () => {
    const original = 'a:   1   # x\n';
    assert.equal(carryEdit(original, 'a: 1 # x\n', 'a: 1 # x\n'), original);
  });

  it('carries only the changed line; untouched lines keep their spacing byte for byte', () => {
    const original = 'a:   1   # one\nb:  2\n\n#  note\nc: 3\n';
    const before = 'a: 1 # one\nb: 2\n\n#  note\nc: 3\n';
    const after = 'a: 1 # one\nb: 2\n\n#  note\nc: 4\n';
    assert.equal(carryEdit(original, before, after), 'a:   1   # one\nb:  2\n\n#  note\nc: 4\n');
  });

  it('keeps the spacing before a trailing comment on a line replaced one for one', () => {
    assert.equal(carryEdit('x: 1\nk: v      # why\n', 'x: 1\nk: v # why\n', 'x: 1\nk: w # why\n'), 'x: 1\nk: w      # why\n');
  });

  it('does not move a `#` that is part of a quoted value', () => {
    const original = 'k: "a   # b"\n';
    assert.equal(carryEdit(original, 'k: "a   # b"\n', 'k: "c # b"\n'), 'k: "c # b"\n');
  });

  it('puts an insertion after the line it follows in the print', () => {
    const original = 'list:\n  - a    # first\n  - b\nother: 1\n';
    const before = 'list:\n  - a # first\n  - b\nother: 1\n';
    const after = 'list:\n  - a # first\n  - b\n  - c\nother: 1\n';
    assert.equal(carryEdit(original, before, after), 'list:\n  - a    # first\n  - b\n  - c\nother: 1\n');
  });

  it('indents inserted lines like the original, not like the print', () => {
    const original = 'm:\n     a: 1\n     b: 2\n';
    const before = 'm:\n  a: 1\n  b: 2\n';
    const after = 'm:\n  a: 1\n  b: 2\n  c:\n    d: 3\n';
    // `c` lines up with its siblings (5 spaces); `d` keeps the printed depth below it.
    assert.equal(carryEdit(original, before, after), 'm:\n     a: 1\n     b: 2\n     c:\n       d: 3\n');
  });

  it('an insertion before a line only the print has (the blank before a trailing comment) lands after the original line', () => {
    const original = 'l:\n- a\n# end\n';
    const before = 'l:\n- a\n\n# end\n';
    const after = 'l:\n- a\n\n- b\n\n# end\n';
    assert.equal(carryEdit(original, before, after), 'l:\n- a\n\n- b\n# end\n');
  });

  it('removes lines', () => {
    assert.equal(carryEdit('a: 1\nb:   2  # gone\nc: 3\n', 'a: 1\nb: 2 # gone\nc: 3\n', 'a: 1\nc: 3\n'), 'a: 1\nc: 3\n');
  });

  it('writes CRLF when the original uses it', () => {
    assert.equal(carryEdit('a: 1\r\nb: 2\r\n', 'a: 1\nb: 2\n', 'a: 1\nb: 3\n'), 'a: 1\r\nb: 3\r\n');
  });

  it('adds a final newline when the print has one', () => {
    assert.equal(carryEdit('a: 1', 'a: 1\n', 'a: 2\n'), 'a: 2\n');
  });
});
