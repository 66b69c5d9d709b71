import type { ErrorReply, FieldProblems, StageHeader } from '../../src/protocol/messages';
import { errorOf } from './channel';
import { createBuilder, type Child, type ElementLike, type Options } from './dom';

/** Page helpers over the real document: every string shown goes through dom.ts as text. */
const builder = createBuilder(document as unknown as Parameters<typeof createBuilder>[0]);

export function h<T extends HTMLElement = HTMLElement>(tag: string, options?: Options | Child, ...children: Child[]): T {
  return builder.h(tag, options, ...children) as unknown as T;
}

/** Replaces the children of `parent`. */
export function mount(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : (child as unknown as Node));
  }
}

/** A toolkit element exposes its state as properties. */
export type ToolkitInput = HTMLElement & { value: string; disabled: boolean; readOnly?: boolean };
export type ToolkitCheckbox = HTMLElement & { checked: boolean; disabled: boolean };

export interface Field {
  root: HTMLElement;
  input: ToolkitInput;
  message: HTMLElement;
}

/**
 * A labelled text field with its inline validation message below it. The label is the field's
 * own (the toolkit puts it in a <label> for the inner input); the message is a live region so a
 * screen reader hears it while typing.
 */
export function textField(id: string, label: string, options: { value?: string; placeholder?: string; hint?: string; onInput?: (value: string) => void; readonly?: boolean; ariaLabel?: string; wrap?: boolean } = {}): Field {
  // `wrap`: a text area that shows the whole value, wrapped (and grows with it: field-sizing in
  // panels.css), still one logical line: Enter does not insert a line break.
  const input = h<ToolkitInput>(
    options.wrap ? 'vscode-text-area' : 'vscode-text-field',
    {
      attrs: { id, placeholder: options.placeholder, readonly: options.readonly, 'aria-label': options.ariaLabel, rows: options.wrap ? '1' : undefined, class: options.wrap ? 'wrapping' : undefined },
      props: { value: options.value ?? '' },
      on: {
        input: () => options.onInput?.(input.value),
        keydown: (event: KeyboardEvent) => {
          if (options.wrap && event.key === 'Enter') event.preventDefault();
        },
      },
    },
    label || null,
  );
  const message = h('div', { attrs: { id: `${id}-message`, class: 'field-message', role: 'status', 'aria-live': 'polite' } });
  // The message right under the field (as VS Code's input boxes show it), the hint after it.
  const root = h('div', { attrs: { class: 'field' } }, input, message, options.hint ? h('div', { attrs: { class: 'field-hint' } }, options.hint) : null);
  return { root, input, message };
}

/** Shows (or clears) a field's inline problem and marks the field invalid for assistive technology. */
export function showProblem(field: Pick<Field, 'input' | 'message'>, problem: string | undefined): void {
  field.message.textContent = problem ?? '';
  field.message.classList.toggle('error', Boolean(problem));
  if (problem) field.input.setAttribute('aria-invalid', 'true');
  else field.input.removeAttribute('aria-invalid');
}

export function button(label: string, onClick: () => void, options: { id?: string; appearance?: 'primary' | 'secondary' | 'icon'; ariaLabel?: string; disabled?: boolean } = {}): HTMLElement & { disabled: boolean } {
  return h('vscode-button', {
    attrs: { id: options.id, appearance: options.appearance ?? 'secondary', 'aria-label': options.ariaLabel },
    props: { disabled: options.disabled ?? false },
    on: { click: () => onClick() },
  }, label);
}

/**
 * The panel's banner: what the last action did, or what went wrong and what to do about it. It
 * describes a state, so it goes when the state does: `edited()` clears a result ("Saved",
 * "Applied", "Stage not added: …") at the next edit; a `progress` message stays until its action ends.
 */
export class Banner {
  readonly root = h('div', { attrs: { id: 'banner', class: 'banner', role: 'status', 'aria-live': 'polite' } });
  private inProgress = false;

  info(text: string): void {
    this.show('info', text);
  }

  /** "Saving…", "Applying…": an action under way. */
  progress(text: string): void {
    this.show('info', text);
    this.inProgress = true;
  }

  error(reply: ErrorReply): void {
    if (reply.kind === 'cancelled') return this.clear();
    this.show('error', reply.message, reply.hint);
  }

  /** The user changed the form: a result of an earlier action no longer describes it. */
  edited(): void {
    if (!this.inProgress) this.clear();
  }

  clear(): void {
    this.inProgress = false;
    this.root.className = 'banner';
    this.root.replaceChildren();
    this.root.setAttribute('role', 'status');
  }

  private show(kind: 'info' | 'error', text: string, hint?: string): void {
    this.inProgress = false;
    this.root.className = `banner ${kind}`;
    this.root.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    mount(this.root, h('span', { attrs: { class: 'banner-text' } }, text), hint ? h('span', { attrs: { class: 'banner-hint' } }, ` ${hint}`) : null);
  }
}

/** A toolkit button, found by id (pages re-render, so never keep the element). */
type Disableable = HTMLElement & { disabled: boolean };

/**
 * Runs `action` with the buttons `ids` disabled (and the page marked busy), so that a second
 * click cannot start it again; each button gets back the state it had.
 */
export async function whileBusy<T>(ids: string[], action: () => Promise<T>): Promise<T> {
  const buttons = ids.map(id => document.getElementById(id) as Disableable | null).filter((b): b is Disableable => b !== null);
  const before = buttons.map(b => b.disabled);
  for (const b of buttons) b.disabled = true;
  document.body.setAttribute('aria-busy', 'true');
  busyCount++;
  try {
    return await action();
  } finally {
    busyCount--;
    if (busyCount === 0) document.body.removeAttribute('aria-busy');
    // The page may have been re-rendered meanwhile: enable what is there now, by id.
    ids.forEach((id, i) => {
      const now = document.getElementById(id) as Disableable | null;
      if (now) now.disabled = now === buttons[i] ? before[i] : false;
    });
  }
}
let busyCount = 0;

/** Says so up front when the stage's provider is missing from this build (its actions then answer "not available"). */
export function providerNote(stage: StageHeader): HTMLElement | null {
  return stage.providerAvailable ? null : h('span', { attrs: { id: 'provider-note', class: 'note' } }, ` (the ${stage.provider} provider is not available in this build)`);
}

export function header(title: string, subtitle: Child[]): HTMLElement {
  return h('header', h('h1', title), h('p', { attrs: { id: 'subtitle', class: 'subtitle' } }, ...subtitle));
}

/** Problems the host sent for fields not in `known`, for the banner. */
export function otherProblems(problems: FieldProblems | undefined, known: (key: string) => boolean): string[] {
  return Object.entries(problems ?? {}).filter(([key]) => !known(key)).map(([, message]) => message);
}

/** What the banner says after a save: the count of changes and the next step. */
export function savedMessage(changed: number, nothingToSave: string): string {
  return changed === 0 ? nothingToSave : `Saved ${changed} change${changed === 1 ? '' : 's'} to stagecraft.yaml. Apply them to the running stage with "Apply to stage".`;
}

/**
 * "Apply to stage" of a panel that edits stagecraft.yaml: refuses while the page has unsaved edits
 * (Apply applies what the file holds), otherwise asks the host and reports in the banner. The
 * Apply button is disabled while it runs.
 */
export async function applyToStage(banner: Banner, options: { dirty: boolean; stage: string; send: () => Promise<unknown> }): Promise<void> {
  if (options.dirty) {
    banner.error({ kind: 'input', message: 'Save first: "Apply to stage" applies what stagecraft.yaml holds.' });
    return;
  }
  banner.progress('Applying…');
  await whileBusy(['apply', 'save'], async () => {
    try {
      await options.send();
      banner.info(`Applied to stage ${options.stage}.`);
    } catch (err) {
      banner.error(errorOf(err));
    }
  });
}

/** Re-renders with `render` and gives focus back to the element that had it (by id), if it is still there. */
export function keepingFocus(render: () => void): void {
  const focused = document.activeElement?.id;
  render();
  if (focused) document.getElementById(focused)?.focus();
}

export type { ElementLike };
