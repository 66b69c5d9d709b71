import * as vscode from 'vscode';
import { approvalText, loadLedger, type LedgerEntry, type StageAttempt } from '../../core/ledger';
import type { Stack } from '../../core/model';
import type { StackWorkspace } from '../stackWorkspace';
import { RELEASES } from './ids';

export type ReleaseNode =
  | { kind: 'stack'; id: string; stack: Stack }
  | { kind: 'commit'; id: string; stack: Stack; entry: LedgerEntry }
  | { kind: 'attempt'; id: string; stack: Stack; entry: LedgerEntry; attempt: StageAttempt }
  | { kind: 'message'; id: string; text: string; error?: boolean };

const OUTCOME_ICON: Record<StageAttempt['outcome'], [string, string?]> = {
  serving: ['pass-filled', 'testing.iconPassed'],
  served: ['history'],
  'rolled-back': ['discard', 'testing.iconFailed'],
  failed: ['error', 'testing.iconFailed'],
  rejected: ['circle-slash', 'testing.iconFailed'],
  'in-progress': ['sync~spin'],
};

/**
 * The release ledger as a tree: commits newest first (what git and the run records say), each
 * with the stages it reached; a stage filter narrows it to one stage's releases.
 */
export class ReleasesTreeProvider implements vscode.TreeDataProvider<ReleaseNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ReleaseNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;
  /** Only this stage's releases; all stages when undefined. */
  stageFilter: string | undefined;

  constructor(private readonly workspace: StackWorkspace) {
    this.subscription = workspace.onDidChange(() => this.refresh());
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  setFilter(stage: string | undefined): void {
    this.stageFilter = stage;
    this.refresh();
  }

  async getChildren(node?: ReleaseNode): Promise<ReleaseNode[]> {
    if (!node) {
      const stacks = await this.workspace.stacks();
      if (stacks.length === 1) return this.commits(stacks[0]);
      return stacks.map(stack => ({ kind: 'stack', id: `releases/${stack.root}`, stack }));
    }
    if (node.kind === 'stack') return this.commits(node.stack);
    if (node.kind === 'commit') return node.entry.attempts.map((attempt, i) => ({ kind: 'attempt', id: `${node.id}/${attempt.runId}/${attempt.stage}/${i}`, stack: node.stack, entry: node.entry, attempt }));
    return [];
  }

  private async commits(stack: Stack): Promise<ReleaseNode[]> {
    try {
      const entries = await loadLedger(stack, { stage: this.stageFilter, limit: 50 });
      if (entries.length === 0) return [{ kind: 'message', id: `releases/${stack.root}/empty`, text: this.stageFilter ? `Nothing released to ${this.stageFilter} yet` : 'No commits or runs yet' }];
      return entries.map(entry => ({ kind: 'commit', id: `releases/${stack.root}/${entry.commit}`, stack, entry }));
    } catch (err) {
      return [{ kind: 'message', id: `releases/${stack.root}/error`, text: `Could not read the runs: ${(err as Error).message}`, error: true }];
    }
  }

  getTreeItem(node: ReleaseNode): vscode.TreeItem {
    switch (node.kind) {
      case 'stack': {
        const item = new vscode.TreeItem(node.stack.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = node.id;
        item.contextValue = RELEASES.stack;
        item.iconPath = new vscode.ThemeIcon('layers');
        return item;
      }
      case 'commit':
        return commitItem(node.id, node.entry);
      case 'attempt':
        return attemptItem(node.id, node.entry, node.attempt);
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon(node.error ? 'error' : 'info');
        return item;
      }
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

function commitItem(id: string, e: LedgerEntry): vscode.TreeItem {
  const item = new vscode.TreeItem(`${e.commit.slice(0, 8)}  ${e.subject ?? '(not in this repository)'}`, e.attempts.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = id;
  item.contextValue = RELEASES.commit;
  // Each stage once, newest attempt first: "● dev ● test" where it runs now, "✖" where its last try failed.
  const seen = new Map<string, StageAttempt['outcome']>();
  for (const a of e.attempts) if (!seen.has(a.stage)) seen.set(a.stage, a.outcome);
  item.description = [...seen].map(([stage, outcome]) => `${outcome === 'serving' ? '●' : outcome === 'served' ? '○' : outcome === 'in-progress' ? '…' : '✖'} ${stage}`).join('  ') || 'not released';
  item.iconPath = new vscode.ThemeIcon(e.current.length ? 'rocket' : 'git-commit', e.current.length ? new vscode.ThemeColor('charts.green') : undefined);
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${escape(e.subject ?? 'Commit not in this repository')}**\n\n`);
  md.appendMarkdown(`\`${e.commit}\`${e.author ? ` · ${escape(e.author)}` : ''}${e.date ? ` · ${e.date}` : ''}\n\n`);
  if (e.artifact) md.appendMarkdown(`Artifact \`${e.artifact.slice(0, 16)}\`\n\n`);
  if (e.current.length) md.appendMarkdown(`Runs now on **${e.current.join(', ')}**\n\n`);
  for (const a of e.attempts.slice(0, 8)) md.appendMarkdown(`- ${a.stage}: ${a.outcome} · run \`${a.runId}\`${a.approval ? ` · ${escape(approvalText(a.approval))}` : ''}\n`);
  item.tooltip = md;
  return item;
}

function attemptItem(id: string, e: LedgerEntry, a: StageAttempt): vscode.TreeItem {
  const item = new vscode.TreeItem(`${a.stage}: ${a.outcome === 'rolled-back' ? 'rolled back' : a.outcome}${a.rollback ? ' (rollback)' : ''}`, vscode.TreeItemCollapsibleState.None);
  item.id = id;
  item.contextValue = a.outcome === 'served' ? RELEASES.attemptServed : RELEASES.attempt;
  const [icon, color] = OUTCOME_ICON[a.outcome];
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  item.description = `${a.at.slice(0, 16).replace('T', ' ')} · run ${a.runId}${a.approval ? ` · ${approvalText(a.approval)}` : ''}`;
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${escape(e.subject ?? e.commit)}**${e.author ? ` — ${escape(e.author)}` : ''}\n\n`);
  md.appendMarkdown(`${a.stage}: ${a.outcome} at ${a.at}\n\nRun \`${a.runId}\`${a.artifact ? ` · artifact \`${a.artifact.slice(0, 16)}\`` : ''}\n\n`);
  if (a.approval) md.appendMarkdown(`${escape(approvalText(a.approval))}\n\n`);
  if (a.detail) md.appendMarkdown(`${escape(a.detail)}\n`);
  item.tooltip = md;
  return item;
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!<>|]/g, m => `\\${m}`);
}
