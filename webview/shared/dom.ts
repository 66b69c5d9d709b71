/**
 * The one way pages build DOM: text always goes in as text nodes, attributes through
 * setAttribute, never through innerHTML or any other HTML parser. Names and values from
 * stagecraft.yaml (which may contain `<img onerror=…>`) therefore show literally. Written
 * against a minimal document interface so that the unit tests can check it in plain Node.
 */

export interface NodeLike {
  readonly nodeType?: number;
}

export interface ElementLike extends NodeLike {
  setAttribute(name: string, value: string): void;
  appendChild(node: NodeLike): unknown;
  addEventListener(type: string, listener: (event: never) => void): void;
}

export interface DocumentLike {
  createElement(tag: string): ElementLike;
  createTextNode(text: string): NodeLike;
}

export type Child = NodeLike | string | number | false | null | undefined;

export interface Options {
  /** Attributes, set with setAttribute; `on…` names are refused (handlers go in `on`). */
  attrs?: Record<string, string | boolean | undefined>;
  /** Properties of custom elements (value, checked, disabled, …); HTML-setting ones are refused. */
  props?: Record<string, unknown>;
  on?: Record<string, (event: never) => void>;
}

const HTML_PROPERTIES = new Set(['innerHTML', 'outerHTML', 'srcdoc', 'insertAdjacentHTML']);

export class UnsafeMarkupError extends Error {}

export function createBuilder(doc: DocumentLike) {
  /** h('tag', options?, ...children): an element whose string children are text nodes. */
  function h(tag: string, options?: Options | Child, ...children: Child[]): ElementLike {
    if (!/^[a-z][a-z0-9-]*$/.test(tag)) throw new UnsafeMarkupError(`not a tag name: ${tag}`);
    const element = doc.createElement(tag);
    let opts: Options = {};
    if (isOptions(options)) opts = options;
    else children.unshift(options as Child);
    for (const [name, value] of Object.entries(opts.attrs ?? {})) {
      if (/^on/i.test(name) || !/^[a-z][a-z0-9-:]*$/i.test(name)) throw new UnsafeMarkupError(`attribute not allowed: ${name}`);
      if (value === undefined || value === false) continue;
      element.setAttribute(name, value === true ? '' : value);
    }
    for (const [name, value] of Object.entries(opts.props ?? {})) {
      if (HTML_PROPERTIES.has(name) || /^on/i.test(name)) throw new UnsafeMarkupError(`property not allowed: ${name}`);
      (element as unknown as Record<string, unknown>)[name] = value;
    }
    for (const [type, listener] of Object.entries(opts.on ?? {})) element.addEventListener(type, listener);
    for (const child of children) appendChild(element, child);
    return element;
  }

  function appendChild(parent: ElementLike, child: Child): void {
    if (child === null || child === undefined || child === false) return;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? doc.createTextNode(String(child)) : child);
  }

  /** A text node: for the odd place that needs one on its own. */
  function text(value: string): NodeLike {
    return doc.createTextNode(value);
  }

  return { h, text };
}

function isOptions(value: unknown): value is Options {
  if (typeof value !== 'object' || value === null) return false;
  if ('nodeType' in value) return false;
  const keys = Object.keys(value);
  return keys.every(k => k === 'attrs' || k === 'props' || k === 'on');
}
