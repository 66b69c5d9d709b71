import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { buildEvidence, evidenceDigest, type ApprovalEvidence } from '../../core/approval';
import { StagecraftError } from '../../core/errors';
import type { Stack } from '../../core/model';
import { decideStageApproval } from '../../core/release';
import { readRepoFacts } from '../../git/repo';
import type { ExtensionLog } from '../log';
import type { StackWorkspace } from '../stackWorkspace';
import { reviewHtml } from './reviewHtml';

export const REVIEW_VIEW_TYPE = 'stagecraft.panel.review';
/** Opens the review of a waiting promotion: { stackRoot, stage, runId?, focus? } → whether a panel opened. */
export const REVIEW_PROMOTION = 'stagecraft.reviewPromotion';

export interface ReviewTarget {
  stackRoot: string;
  stage: string;
  runId?: string;
  focus?: 'approve' | 'reject';
}

interface OpenReview {
  panel: vscode.WebviewPanel;
  stack: Stack;
  evidence: ApprovalEvidence;
  digest: string;
  deciding: boolean;
  openedAt: number;
}

/** A message from the page: the only one it sends. */
function asDecision(message: unknown): { decision: 'approve' | 'reject'; comment: string } | undefined {
  if (!message || typeof message !== 'object') return undefined;
  const m = message as Record<string, unknown>;
  if (m.type !== 'decide' || (m.decision !== 'approve' && m.decision !== 'reject') || typeof m.comment !== 'string') return undefined;
  return { decision: m.decision, comment: m.comment.slice(0, 2000) };
}

/**
 * The review panel of a waiting promotion: the evidence (built in core) rendered read-only, with
 * Approve and Reject. One panel per request; it stays until the promotion is decided (here or
 * elsewhere). The decision records the digest of exactly the evidence the page shows.
 */
export class ReviewPanels implements vscode.Disposable {
  private readonly open = new Map<string, OpenReview>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a review opens or closes (the notification waits while one is open). */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly workspace: StackWorkspace,
    private readonly log: ExtensionLog,
  ) {}

  /** Whether a review of this request is open. */
  isOpen(requestId: string): boolean {
    return this.open.has(requestId);
  }

  /** Opens (or reveals) the review; false when no Stagecraft run waits there (a provider's pipeline may). */
  async show(target: ReviewTarget): Promise<boolean> {
    const stack = (await this.workspace.stacks()).find(s => s.root === target.stackRoot);
    if (!stack) throw new StagecraftError('That stack is no longer in this workspace.', { kind: 'input' });
    // A review of that promotion already open is shown again, without preparing its change set anew.
    const open = [...this.open.values()].find(e => e.stack.root === stack.root && e.evidence.stage === target.stage && (!target.runId || e.evidence.runId === target.runId));
    if (open && !open.deciding) {
      open.panel.reveal(undefined, false);
      return true;
    }
    // AWS stages: the change set is prepared (and deleted) first, ≤ 60 s; the status bar says so meanwhile.
    const evidence = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Stagecraft: preparing the review of ${target.stage}` }, () =>
      buildEvidence(stack, target.stage, { runId: target.runId, providers: this.workspace.providers }),
    );
    if (!evidence) return false;
    const existing = this.open.get(evidence.requestId);
    if (existing) {
      existing.panel.reveal(undefined, false);
      return true;
    }
    const digest = evidenceDigest(evidence);
    const media = vscode.Uri.joinPath(this.extensionUri, 'media', 'review');
    const panel = vscode.window.createWebviewPanel(REVIEW_VIEW_TYPE, `Review: ${evidence.stage} ← ${evidence.candidate.commit.slice(0, 8)}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      enableCommandUris: false,
      enableForms: false,
      localResourceRoots: [media],
      // The comment being typed survives switching tabs.
      retainContextWhenHidden: true,
    });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'stagecraft.svg');
    const entry: OpenReview = { panel, stack, evidence, digest, deciding: false, openedAt: Date.now() };
    this.open.set(evidence.requestId, entry);
    panel.onDidDispose(() => {
      this.open.delete(evidence.requestId);
      this.changed.fire();
    });
    panel.webview.onDidReceiveMessage(message => void this.onMessage(entry, message));
    panel.webview.html = reviewHtml({
      evidence,
      digest,
      focus: target.focus ?? 'approve',
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'review.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'review.css')).toString(),
      cspSource: panel.webview.cspSource,
      nonce: randomBytes(18).toString('base64'),
    });
    this.changed.fire();
    return true;
  }

  /** The waiting requests changed: a review whose request was decided elsewhere says so and closes. */
  settled(stillWaiting: Set<string>, since: number): void {
    for (const [requestId, entry] of [...this.open]) {
      if (stillWaiting.has(requestId) || entry.deciding || entry.openedAt > since) continue;
      void entry.panel.webview.postMessage({ type: 'decided', message: `The promotion to ${entry.evidence.stage} was decided elsewhere.` });
      setTimeout(() => entry.panel.dispose(), 3000);
    }
  }

  private async onMessage(entry: OpenReview, message: unknown): Promise<void> {
    const asked = asDecision(message);
    if (!asked || entry.deciding) return;
    entry.deciding = true;
    const { stack, evidence, digest } = entry;
    try {
      const { user } = await readRepoFacts(stack.root);
      const decision = await decideStageApproval(stack, evidence.stage, asked.decision, { by: user, comment: asked.comment.trim() || undefined, runId: evidence.runId, evidenceDigest: digest, providers: this.workspace.providers });
      const said = `${decision.decision === 'approved' ? 'Approved' : 'Rejected'} the promotion of ${evidence.candidate.commit.slice(0, 8)} to ${decision.stage}.`;
      this.log.info(`${said} (${user}, evidence ${digest})`);
      void entry.panel.webview.postMessage({ type: 'decided', message: said });
      this.workspace.refresh();
      entry.panel.dispose();
      void vscode.window.showInformationMessage(said);
    } catch (err) {
      entry.deciding = false;
      this.log.warn(`Deciding the promotion to ${evidence.stage}: ${(err as Error).message}`);
      void entry.panel.webview.postMessage({ type: 'error', message: (err as Error).message });
    }
  }

  dispose(): void {
    for (const entry of [...this.open.values()]) entry.panel.dispose();
    this.changed.dispose();
  }
}
