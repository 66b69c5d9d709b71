import * as vscode from 'vscode';
import { isRiskyReview, orderedChanges, reviewMarkdown } from '../core/deployReview';
import type { DeployPrompts, DeployReview, PlannedResourceChange } from '../core/provider';
import { readSettings } from './settings';

type ReviewItem = vscode.QuickPickItem & { action?: 'deploy' | 'cancel' | 'document' };

const CHANGE_ICONS: Record<PlannedResourceChange['kind'], string> = {
  add: '$(diff-added)',
  modify: '$(diff-modified)',
  replace: '$(warning)',
  'may-replace': '$(warning)',
  remove: '$(diff-removed)',
};

/**
 * What a deploy started from the IDE asks before it changes anything: "Review changes" (what will
 * be added, modified, replaced, removed, in a quick pick that stays open until answered; the list
 * also opens as a document), and whether to delete and recreate a stage whose first creation
 * failed. `stagecraft.reviewChanges` decides when the review is shown.
 */
export function deployPrompts(): DeployPrompts {
  return {
    async reviewChanges(review: DeployReview): Promise<boolean> {
      const when = readSettings().reviewChanges;
      if (when === 'never' || (when === 'replacementsOrRemovals' && !review.creates && !isRiskyReview(review))) return true;
      return pickReviewAnswer(review);
    },
    async confirmRecreate(label: string, why: string): Promise<boolean> {
      const choice = await vscode.window.showWarningMessage(`Delete and recreate ${label}?`, { modal: true, detail: why }, 'Delete and Recreate');
      return choice === 'Delete and Recreate';
    },
  };
}

/** Resolves true on Deploy; false on Cancel, Escape or a closed picker. Picking a change keeps it open. */
function pickReviewAnswer(review: DeployReview): Promise<boolean> {
  const verb = review.creates ? 'Create' : 'Deploy';
  const items: ReviewItem[] = [
    { label: `$(rocket) ${verb}`, description: `${review.creates ? 'create' : 'update'} ${review.label}`, detail: `${review.target}: ${review.summary}`, action: 'deploy' },
    { label: '$(close) Cancel', description: 'nothing changes', action: 'cancel' },
    { label: 'What changes', kind: vscode.QuickPickItemKind.Separator },
    ...orderedChanges(review).map(c => ({
      label: `${CHANGE_ICONS[c.kind]} ${c.resource}`,
      description: `${c.kind === 'replace' || c.kind === 'remove' ? c.kind.toUpperCase() : c.kind.replace('-', ' ')} · ${c.type}`,
      detail: c.kind === 'modify' && c.scope.length ? `changes its ${c.scope.join(', ')}` : undefined,
    })),
    { label: '$(go-to-file) Show all changes as a document', action: 'document' },
  ];
  const picker = vscode.window.createQuickPick<ReviewItem>();
  picker.title = `Review changes: ${review.creates ? 'create' : 'update'} ${review.label}`;
  picker.placeholder = `${review.target}: ${review.summary}. ${verb} or Cancel (Escape).`;
  picker.items = items;
  picker.matchOnDescription = true;
  // A review must be answered: clicking into the editor does not cancel it.
  picker.ignoreFocusOut = true;
  return new Promise<boolean>(resolve => {
    let answered = false;
    const answer = (value: boolean) => {
      answered = true;
      resolve(value);
      picker.dispose();
    };
    picker.onDidAccept(async () => {
      const action = picker.selectedItems[0]?.action;
      if (action === 'deploy') answer(true);
      else if (action === 'cancel') answer(false);
      else if (action === 'document') {
        const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: reviewMarkdown(review) });
        await vscode.window.showTextDocument(doc, { preview: true, preserveFocus: true });
      }
    });
    picker.onDidHide(() => {
      if (!answered) answer(false);
    });
    picker.show();
  });
}
