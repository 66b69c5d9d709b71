import * as vscode from 'vscode';
import { isRiskyReview, reviewLines, reviewMarkdown } from '../core/deployReview';
import type { DeployPrompts, DeployReview } from '../core/provider';
import { readSettings } from './settings';

/** How many change lines the dialog itself shows; the rest are one click away. */
const DIALOG_LINES = 15;

/**
 * What a deploy started from the IDE asks before it changes anything: "Review changes" (a modal
 * with what will be added, modified, replaced, removed; the full list opens as a document), and
 * whether to delete and recreate a stage whose first creation failed. `stagecraft.reviewChanges`
 * decides when the review is shown.
 */
export function deployPrompts(): DeployPrompts {
  return {
    async reviewChanges(review: DeployReview): Promise<boolean> {
      const when = readSettings().reviewChanges;
      if (when === 'never' || (when === 'replacementsOrRemovals' && !review.creates && !isRiskyReview(review))) return true;
      const lines = reviewLines(review);
      const shown = lines.length > DIALOG_LINES ? [...lines.slice(0, DIALOG_LINES), `… and ${lines.length - DIALOG_LINES} more (Show All Changes)`] : lines;
      const detail = [`${review.target}: ${review.summary}.`, '', ...shown].join('\n');
      const deploy = review.creates ? 'Create' : 'Deploy';
      for (;;) {
        const choice = await vscode.window.showWarningMessage(`${review.creates ? 'Create' : 'Update'} ${review.label}?`, { modal: true, detail }, deploy, 'Show All Changes');
        if (choice === deploy) return true;
        if (choice !== 'Show All Changes') return false;
        const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: reviewMarkdown(review) });
        await vscode.window.showTextDocument(doc, { preview: true });
      }
    },
    async confirmRecreate(label: string, why: string): Promise<boolean> {
      const choice = await vscode.window.showWarningMessage(`Delete and recreate ${label}?`, { modal: true, detail: why }, 'Delete and Recreate');
      return choice === 'Delete and Recreate';
    },
  };
}
