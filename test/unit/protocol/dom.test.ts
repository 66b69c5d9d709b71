import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBuilder, UnsafeMarkupError, type DocumentLike, type ElementLike, type NodeLike } from '../../../webview/shared/dom';
import { repoRoot } from '../core/support/repoRoot';

/** A document that records what the builder does, so that the test sees text nodes and attributes as such. */
class FakeText implements NodeLike {
  readonly nodeType = 3;
  constructor(readonly data: string) {}
}

class FakeElement implements ElementLike {
  readonly nodeType = 1;
  readonly attributes = new Map<string, string>();
  readonly children: Array<FakeElement | FakeText> = [];
  readonly listeners: string[] = [];
  constructor(readonly tag: string) {}
  setAttribute(name: string, value: string): void {
    this.attributes.set(name, value);
  }
  appendChild(node: NodeLike): unknown {
    this.children.push(node as FakeElement | FakeText);
    return node;
  }
  addEventListener(type: string): void {
    this.listeners.push(type);
  }
  get textContent(): string {
    return this.children.map(c => (c instanceof FakeText ? c.data : c.textContent)).join('');
  }
}

const fakeDocument: DocumentLike = {
  createElement: tag => new FakeElement(tag),
  createTextNode: text => new FakeText(text),
};

describe('webview pages: DOM building', () => {
  const { h } = createBuilder(fakeDocument);
  const hostile = '<img src=x onerror="alert(document.cookie)">';

  it('puts strings from files in as text nodes, never as markup', () => {
    const el = h('p', { attrs: { title: hostile } }, 'stage ', hostile, 3) as unknown as FakeElement;
    assert.deepEqual(
      el.children.map(c => (c instanceof FakeText ? c.data : `<${c.tag}>`)),
      ['stage ', hostile, '3'],
    );
    assert.ok(el.children.every(c => c instanceof FakeText));
    assert.equal(el.attributes.get('title'), hostile, 'attribute values are set as values');
    assert.equal(el.textContent, `stage ${hostile}3`);
  });

  it('refuses event-handler attributes, HTML-setting properties and odd tag names', () => {
    assert.throws(() => h('div', { attrs: { onclick: 'alert(1)' } }), UnsafeMarkupError);
    assert.throws(() => h('div', { attrs: { OnMouseOver: 'alert(1)' } }), UnsafeMarkupError);
    assert.throws(() => h('div', { attrs: { 'x"><img': '1' } }), UnsafeMarkupError);
    assert.throws(() => h('div', { props: { innerHTML: hostile } }), UnsafeMarkupError);
    assert.throws(() => h('div', { props: { outerHTML: hostile } }), UnsafeMarkupError);
    assert.throws(() => h('img src=x onerror=alert(1)'), UnsafeMarkupError);
  });

  it('wires handlers as listeners and skips empty children and attributes', () => {
    const el = h('vscode-button', { attrs: { id: 'save', disabled: false, hidden: undefined, appearance: 'primary' }, on: { click: () => undefined } }, null, false, undefined, 'Save') as unknown as FakeElement;
    assert.deepEqual([...el.attributes], [['id', 'save'], ['appearance', 'primary']]);
    assert.deepEqual(el.listeners, ['click']);
    assert.equal(el.textContent, 'Save');
  });

  it('no page source parses HTML or evaluates strings', () => {
    const root = join(repoRoot(), 'webview');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter(f => f.endsWith('.ts'));
    assert.ok(files.length >= 5, `found the page sources (${files.length})`);
    for (const f of files) {
      const code = readFileSync(join(root, f), 'utf8').replace(/^\s*(\/\/|\*|\/\*).*$/gm, '');
      assert.doesNotMatch(code, /\.innerHTML|\.outerHTML|insertAdjacentHTML\(|document\.write|\beval\(|new Function\(|DOMParser|createContextualFragment/, f);
    }
  });
});
