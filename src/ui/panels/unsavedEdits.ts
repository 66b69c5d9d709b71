import type { PanelDraft } from '../../protocol/messages';

/**
 * Unsaved edits in a panel, the editor way. A webview tab cannot show the editor's dirty dot, so
 * the title carries it. A webview cannot veto its closing either, so a panel closed with edits
 * keeps them (in memory) and asks "Save changes to dev environment?" in a notification: Save,
 * Don't Save, or Reopen; unanswered, the edits come back the next time the panel opens.
 * No vscode here: unit-tested in plain Node.
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
export const REOPEN = 'Reopen';

/** `keep`: the notification was dismissed; the edits wait for the panel's next opening. */
export type CloseChoice = 'save' | 'discard' | 'reopen' | 'keep';

/** The notification's answer: its save button, Don't Save, Reopen, or nothing (dismissed). */
export function closeChoice(answer: string | undefined, saveLabel: string): CloseChoice {
  if (answer === saveLabel) return 'save';
  if (answer === DONT_SAVE) return 'discard';
  if (answer === REOPEN) return 'reopen';
  return 'keep';
}

/**
 * Edits of closed panels by panel key, until they are saved, dropped or taken back by the panel
 * opening again. `take` hands them over once; an answer to an older question finds them gone.
 */
export class KeptEdits<S, D> {
  private readonly kept = new Map<string, { spec: S; draft: D }>();

  keep(key: string, spec: S, draft: D): void {
    this.kept.set(key, { spec, draft });
  }

  /** Whether `draft` is still the one kept for `key` (not taken back, not replaced by a later close). */
  holds(key: string, draft: D): boolean {
    return this.kept.get(key)?.draft === draft;
  }

  take(key: string): D | undefined {
    const entry = this.kept.get(key);
    this.kept.delete(key);
    return entry?.draft;
  }
}

/** The origins a draft would save: the listed ones plus the one being typed, if any. */
export function originsToSave(draft: Extract<PanelDraft, { panel: 'origins' }>): string[] {
  const adding = draft.adding.trim();
  return adding ? [...draft.origins, adding] : [...draft.origins];
}
