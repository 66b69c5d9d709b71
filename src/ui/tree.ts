import * as vscode from 'vscode';
import { routeHeader } from '../core/branchRun';
import type { BranchRoute } from '../core/branches';
import { describeStack, type StackSummary } from '../core/describe';
import { formatExpiresIn } from '../core/personal/ttl';
import { readStageState } from '../core/stageState';
import { STATUS_LABELS, type Stack, type Stage, type StageStatus, type StageStatusKind } from '../core/model';
import { formatProblem } from '../core/problems';
import { readRepoFacts } from '../git/repo';
import { COMMANDS, CONTEXT_VALUES } from './ids';
import type { FolderStack, StackWorkspace } from './stackWorkspace';
import type { Providers } from '../core/providers';

/** Tree nodes wrap domain objects; ids are stable so expansion and selection survive refreshes. */
export type StagecraftNode = StackNode | StageNode | ErrorNode | PlaceholderNode;

export interface StackNode {
  kind: 'stack';
  id: string;
  folder: FolderStack;
  stack: Stack;
  branch?: string;
  target?: string;
  /** Where a run from the current branch goes. */
  route?: BranchRoute;
  stages: Array<{ stage: Stage; status: StageStatus }>;
}

export interface StageNode {
  kind: 'stage';
  id: string;
  folder: FolderStack;
  stack: Stack;
  stage: Stage;
  status: StageStatus;
  isBranchTarget: boolean;
}

export interface ErrorNode {
  kind: 'error';
  id: string;
  folder: FolderStack;
  message: string;
}

export interface PlaceholderNode {
  kind: 'placeholder';
  id: string;
  folder: FolderStack;
  label: string;
}

const STATUS_ICONS: Record<StageStatusKind, [string, string | undefined]> = {
  'not-deployed': ['circle-outline', 'disabledForeground'],
  deploying: ['sync~spin', 'charts.blue'],
  healthy: ['pass-filled', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  'awaiting-approval': ['watch', 'charts.yellow'],
  stopped: ['debug-stop', 'disabledForeground'],
  unknown: ['question', undefined],
};

export class StacksTreeProvider implements vscode.TreeDataProvider<StagecraftNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<StagecraftNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;
  /** Resolves each time the root has produced its items; the activation benchmark waits on it. */
  private firstItems: ((count: number) => void) | undefined;
  readonly firstItemsShown = new Promise<number>(resolve => (this.firstItems = resolve));
  /** When VS Code first asked for the root items, and when they were ready (ms since the epoch). */
  readonly firstItemsTiming: { requestedAt?: number; readyAt?: number } = {};

  /**
   * What providers last said of each stack (by folder), and the workspace generation it was asked
   * in. The tree paints at once from this (or from the recorded state) and asks the providers in the
   * background, so a slow provider (AWS, git) never holds the tree back.
   */
  private readonly live = new Map<string, { summary: StackSummary; generation: number }>();
  private readonly fetching = new Map<string, Promise<void>>();
  private generation = 0;

  constructor(private readonly workspace: StackWorkspace) {
    this.subscription = workspace.onDidChange(() => {
      this.generation++;
      this.changed.fire(undefined);
    });
  }

  /** Resolves once every stack shows what its providers say now (for tests and scripts). */
  async settled(): Promise<void> {
    await this.roots();
    await Promise.all(this.fetching.values());
  }

  async getChildren(node?: StagecraftNode): Promise<StagecraftNode[]> {
    if (!node) {
      this.firstItemsTiming.requestedAt ??= Date.now();
      const roots = await this.roots();
      this.firstItemsTiming.readyAt ??= Date.now();
      this.firstItems?.(roots.length);
      this.firstItems = undefined;
      return roots;
    }
    if (node.kind !== 'stack') return [];
    if (node.stages.length === 0) {
      return [{ kind: 'placeholder', id: `${node.id}/placeholder`, folder: node.folder, label: 'No stages yet: Add Stage' }];
    }
    return node.stages.map(({ stage, status }) => ({
      kind: 'stage',
      id: `${node.id}/stage/${stage.name}`,
      folder: node.folder,
      stack: node.stack,
      stage,
      status,
      isBranchTarget: node.route ? node.route.stages.includes(stage.name) : node.target === stage.name,
    }));
  }

  getParent(): undefined {
    return undefined;
  }

  private async roots(): Promise<StagecraftNode[]> {
    const folders = await this.workspace.all();
    const seen = new Set<string>();
    return Promise.all(
      folders.map(async (folder): Promise<StagecraftNode> => {
        if (!folder.stack) return errorNode(folder);
        let id = `stack/${folder.stack.name}`;
        if (seen.has(id)) id = `${id}@${folder.folder.name}`;
        seen.add(id);
        const summary = await this.summaryOf(folder.stack);
        return { kind: 'stack', id, folder, stack: folder.stack, branch: summary.branch, target: summary.target?.stage, route: summary.route, stages: summary.stages };
      }),
    );
  }

  /** The freshest summary at hand now; starts a background refresh when it is not current. */
  private async summaryOf(stack: Stack): Promise<StackSummary> {
    const live = this.live.get(stack.root);
    if (!live || live.generation !== this.generation) this.fetch(stack);
    const known = new Map((live?.summary.stages ?? []).map(s => [s.stage.name, s.status]));
    // Stages the file defines now, with the last status known for each (the recorded state before the first answer).
    const stages = await Promise.all(stack.stages.map(async stage => ({ stage, status: known.get(stage.name) ?? (await readStageState(stack.root, stage.name)) })));
    return { stack, stages, branch: live?.summary.branch, target: live?.summary.target, route: live?.summary.route };
  }

  private fetch(stack: Stack): void {
    if (this.fetching.has(stack.root)) return;
    const generation = this.generation;
    const work = (async () => {
      try {
        const repo = await readRepoFacts(stack.root).catch(() => undefined);
        this.live.set(stack.root, { summary: await describeStack(stack, this.workspace.providers, repo), generation });
      } finally {
        this.fetching.delete(stack.root);
      }
      this.changed.fire(undefined);
    })();
    this.fetching.set(stack.root, work.catch(() => undefined));
  }

  getTreeItem(node: StagecraftNode): vscode.TreeItem {
    switch (node.kind) {
      case 'stack':
        return stackItem(node);
      case 'stage':
        return stageItem(node, this.workspace.providers);
      case 'error':
        return errorItem(node);
      case 'placeholder': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon('add');
        item.contextValue = CONTEXT_VALUES.placeholder;
        item.command = { command: COMMANDS.addStage, title: 'Add Stage', arguments: [node] };
        return item;
      }
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

function errorNode(folder: FolderStack): ErrorNode {
  const first = folder.problems.find(p => p.severity === 'error');
  const message = folder.readError ?? (first ? formatProblem({ ...first, file: 'stagecraft.yaml' }) : 'stagecraft.yaml is not valid');
  return { kind: 'error', id: `error/${folder.folder.uri.toString()}`, folder, message };
}

function stackItem(node: StackNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.stack.name, vscode.TreeItemCollapsibleState.Expanded);
  item.id = node.id;
  item.iconPath = new vscode.ThemeIcon('layers');
  item.contextValue = CONTEXT_VALUES.stack;
  const parts = [`${node.stages.length} stage${node.stages.length === 1 ? '' : 's'}`];
  if (node.route) parts.push(`${node.route.branch} → ${node.route.stages.join(' → ') || 'nothing'}`);
  else if (node.branch) parts.push(`${node.branch} → ${node.target ?? 'local'}`);
  item.description = parts.join(' · ');
  item.tooltip = new vscode.MarkdownString(
    `**${escapeMarkdown(node.stack.name)}**  \n${escapeMarkdown(node.stack.file)}  \nService port ${node.stack.service.port}, health check \`${escapeMarkdown(node.stack.service.healthCheck)}\`` +
      (node.route ? `  \n${escapeMarkdown(routeHeader(node.route).replace(/^Branch (\S+) deploys/, 'This branch ($1) deploys'))}` : ''),
  );
  item.resourceUri = node.folder.file;
  item.command = { command: COMMANDS.openStackFile, title: 'Open stagecraft.yaml', arguments: [node] };
  return item;
}

function stageItem(node: StageNode, providers: Providers): vscode.TreeItem {
  const { stage, status } = node;
  const item = new vscode.TreeItem(stage.name, vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  const [icon, color] = STATUS_ICONS[status.kind];
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  item.contextValue =
    status.kind === 'awaiting-approval'
      ? CONTEXT_VALUES.stageAwaitingApproval
      : stage.protected
        ? CONTEXT_VALUES.stageProtected
        : stage.personal
          ? CONTEXT_VALUES.stagePersonal
          : CONTEXT_VALUES.stage;
  const where = providers.describeStage(stage);
  const parts = [where, STATUS_LABELS[status.kind]];
  if (status.commit) parts.push(status.commit.slice(0, 7));
  if (status.url) parts.push(status.url);
  if (stage.personal) parts.push(`${stage.personal.owner}, ${stage.personal.branch}`, formatExpiresIn(stage.personal.expiresAt, new Date()));
  if (node.isBranchTarget) parts.push('← current branch');
  item.description = parts.join(' · ');
  const lines = [
    `**${escapeMarkdown(stage.name)}** (${escapeMarkdown(where)})`,
    `Status: ${STATUS_LABELS[status.kind]}${status.detail ? ` (${escapeMarkdown(status.detail)})` : ''}`,
    status.commit ? `Commit: \`${escapeMarkdown(status.commit)}\`` : undefined,
    status.url ? `URL: ${escapeMarkdown(status.url)}` : undefined,
    [`Database: ${stage.database === 'postgres' ? 'PostgreSQL' : 'none'}`, `Manual approval: ${stage.requireApproval ? 'yes' : 'no'}`, ...(providers.module(stage.provider)?.stageTraits?.(stage) ?? []).map(escapeMarkdown)].join(' · '),
    stage.protected ? 'Protected: destroy needs an explicit confirmation' : undefined,
    stage.branches ? `Branches: ${stage.branches.map(escapeMarkdown).join(', ')}` : undefined,
    stage.personal
      ? `Personal stage of ${escapeMarkdown(stage.personal.owner)} for ${escapeMarkdown(stage.personal.branch)}; ${formatExpiresIn(stage.personal.expiresAt, new Date())} (${escapeMarkdown(stage.personal.expiresAt)}), or when its branch is merged or deleted`
      : undefined,
  ].filter(Boolean);
  item.tooltip = new vscode.MarkdownString(lines.join('  \n'));
  item.command = { command: COMMANDS.openStackFile, title: 'Show stage definition', arguments: [node] };
  return item;
}

function errorItem(node: ErrorNode): vscode.TreeItem {
  const item = new vscode.TreeItem(`${node.folder.folder.name}: stagecraft.yaml has problems`, vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  item.description = node.message;
  item.tooltip = node.message;
  item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
  item.contextValue = CONTEXT_VALUES.error;
  item.command = { command: COMMANDS.showProblems, title: 'Show Problems', arguments: [node] };
  return item;
}

/** Names come from files; they are shown as text, never as markup. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!<>|~]/g, '\\$&');
}
