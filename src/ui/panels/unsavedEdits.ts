import type { PanelDraft } from '../../protocol/messages';

/**
 * Unsaved edits in a panel, the editor way. A webview tab cannot show the editor's dirty dot, so
 * the title carries it; and a webview cannot veto its closing, so "Save changes?" is asked just
 * after it closed (Cancel reopens it with the edits). No vscode here: unit-tested in plain Node.
 */

/** What a dirty panel's title starts with. */
export const DIRTY_MARK = '\u25CF ';

export function titleFor(title: string, dirty: boolean): string {
  return dirty ? `${DIRTY_MARK}${title}` : title;
}

/** How a panel offers to save the edits it was closed with. */
export interface SaveOnClose<D extends PanelDraft = PanelDraft> {
  /** The modal's question, e.g. `Save changes to dev environment?`. */
  question(draft: D): string;
  /** The button that saves, e.g. `Save`. */
  saveLabel: string;
  /** Writes the draft as the panel's own Save would; throws (a FormError, …) when it cannot. */
  save(draft: D): Promise<void>;
}

export const DONT_SAVE = "Don't Save";

export type CloseChoice = 'save' | 'discard' | 'reopen';

/** The modal's answer: its save button, Don't Save, or nothing (Escape, Cancel: reopen with the edits). */
export function closeChoice(answer: string | undefined, saveLabel: string): CloseChoice {
  if (answer === saveLabel) return 'save';
  if (answer === DONT_SAVE) return 'discard';
  return 'reopen';
}

/** The origins a draft would save: the listed ones plus the one being typed, if any. */
export function originsToSave(draft: Extract<PanelDraft, { panel: 'origins' }>): string[] {
  const adding = draft.adding.trim();
  return adding ? [...draft.origins, adding] : [...draft.origins];
}
