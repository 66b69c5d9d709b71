import * as vscode from 'vscode';
import { routeHeader } from '../core/branchRun';
import type { BranchRoute } from '../core/branches';
import { describeStack, type StackSummary } from '../core/describe';
import { formatExpiresIn } from '../core/personal/ttl';
import { readStageState } from '../core/stageState';
import { STATUS_LABELS, type Stack, type Stage, type StageStatus } from '../core/model';
import { formatProblem } from '../core/problems';
import type { RunningDifference } from '../core/lint/runningDrift';
import { listRuns, type RunRecord } from '../core/pipeline';
import { formatRelativeTime } from '../core/relativeTime';
import { stageActivity, type StageActivity } from '../core/stageActivity';
import { stageStatusWord } from './stageRow';
import { readRepoFacts } from '../git/repo';
import { COMMANDS, CONTEXT_KEYS, CONTEXT_VALUES, stageContextValue } from './ids';
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
  stages: StageRow[];
  /** stagecraft.yaml has errors now: these stages are what it said when it was last valid. */
  stale?: boolean;
}

/** What a stage row shows: the provider's status, what a run is doing to it, how it drifted. */
export interface StageRow {
  stage: Stage;
  status: StageStatus;
  activity?: StageActivity;
  /** How the running stage differs from stagecraft.yaml (present only when it does). */
  drift?: RunningDifference[];
}

export interface StageNode {
  kind: 'stage';
  id: string;
  folder: FolderStack;
  stack: Stack;
  stage: Stage;
  status: StageStatus;
  activity?: StageActivity;
  drift?: RunningDifference[];
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
  private readonly live = new Map<string, { summary: StackSummary; runs: RunRecord[]; drift: Map<string, RunningDifference[]>; generation: number }>();
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
    // A broken file keeps its last good stages, under an error row that leads to the problems.
    const stale: StagecraftNode[] = node.stale ? [{ ...errorNode(node.folder), id: `${node.id}/error` }] : [];
    if (node.stages.length === 0) {
      return [...stale, { kind: 'placeholder', id: `${node.id}/placeholder`, folder: node.folder, label: 'No stages yet: Add Stage' }];
    }
    return [
      ...stale,
      ...node.stages.map(({ stage, status, activity, drift }): StageNode => ({
        kind: 'stage',
        id: `${node.id}/stage/${stage.name}`,
        folder: node.folder,
        stack: node.stack,
        stage,
        status,
        activity,
        drift,
        isBranchTarget: node.route ? node.route.stages.includes(stage.name) : node.target === stage.name,
      })),
    ];
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
        return { kind: 'stack', id, folder, stack: folder.stack, branch: summary.branch, target: summary.target?.stage, route: summary.route, stages: summary.stages, stale: folder.stale };
      }),
    );
  }

  /** The freshest summary at hand now; starts a background refresh when it is not current. */
  private async summaryOf(stack: Stack): Promise<Omit<StackSummary, 'stages'> & { stages: StageRow[] }> {
    const live = this.live.get(stack.root);
    if (!live || live.generation !== this.generation) this.fetch(stack);
    const known = new Map((live?.summary.stages ?? []).map(s => [s.stage.name, s.status]));
    // Stages the file defines now, with the last status known for each (the recorded state before the first answer).
    const stages = await Promise.all(
      stack.stages.map(async stage => ({
        stage,
        status: known.get(stage.name) ?? (await readStageState(stack.root, stage.name)),
        activity: live ? stageActivity(stage.name, live.runs) : undefined,
        drift: live?.drift.get(stage.name),
      })),
    );
    return { stack, stages, branch: live?.summary.branch, target: live?.summary.target, route: live?.summary.route };
  }

  private fetch(stack: Stack): void {
    if (this.fetching.has(stack.root)) return;
    const generation = this.generation;
    const work = (async () => {
      try {
        const repo = await readRepoFacts(stack.root).catch(() => undefined);
        const [summary, runs] = await Promise.all([describeStack(stack, this.workspace.providers, repo), listRuns(stack.root, { limit: 20 }).catch(() => [] as RunRecord[])]);
        this.live.set(stack.root, { summary, runs, drift: await this.driftOf(stack, summary), generation });
      } finally {
        this.fetching.delete(stack.root);
      }
      this.publishContext();
      this.changed.fire(undefined);
    })();
    this.fetching.set(stack.root, work.catch(() => undefined));
  }

  /** How each running stage differs from the file, from providers that can tell (runningDrift is optional). */
  private async driftOf(stack: Stack, summary: StackSummary): Promise<Map<string, RunningDifference[]>> {
    const drift = new Map<string, RunningDifference[]>();
    await Promise.all(
      summary.stages
        .filter(s => s.status.kind === 'healthy' && this.workspace.providers.has(s.stage.provider))
        .map(async ({ stage }) => {
          try {
            const provider = await this.workspace.providers.get(stage.provider, 'Drift');
            const found = await provider.runningDrift?.(stack, stage, { quick: true });
            if (found && found.differences.length > 0) drift.set(stage.name, found.differences);
          } catch {
            // A provider that cannot compare now leaves the row as its status says.
          }
        }),
    );
    return drift;
  }

  /** Context keys for `when` clauses: commands are offered only when they can run. */
  private publishContext(): void {
    const known = [...this.live.values()];
    const waiting = known.some(l => l.summary.stages.some(s => s.status.kind === 'awaiting-approval'));
    const interrupted = known.some(l => l.runs[0]?.status === 'interrupted');
    if (waiting !== this.context.waiting) void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.approvalWaiting, (this.context.waiting = waiting));
    if (interrupted !== this.context.interrupted) void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.runInterrupted, (this.context.interrupted = interrupted));
  }

  private readonly context: { waiting?: boolean; interrupted?: boolean } = {};

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

export const STALE_TEXT = 'stale: stagecraft.yaml has errors';

function stackItem(node: StackNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.stack.name, vscode.TreeItemCollapsibleState.Expanded);
  item.id = node.id;
  item.iconPath = new vscode.ThemeIcon('layers');
  item.contextValue = CONTEXT_VALUES.stack;
  const parts = [`${node.stages.length} stage${node.stages.length === 1 ? '' : 's'}`];
  if (node.route) parts.push(`${node.route.branch} → ${node.route.stages.join(' → ') || 'nothing'}`);
  else if (node.branch) parts.push(`${node.branch} → ${node.target ?? 'local'}`);
  if (node.stale) parts.unshift(STALE_TEXT);
  item.description = parts.join(' · ');
  item.tooltip = new vscode.MarkdownString(
    (node.stale ? `**${STALE_TEXT}**: the stages below are what it said when it was last valid.  \n` : '') +
    `**${escapeMarkdown(node.stack.name)}**  \n${escapeMarkdown(node.stack.file)}  \nService port ${node.stack.service.port}, health check \`${escapeMarkdown(node.stack.service.healthCheck)}\`` +
      (node.route ? `  \n${escapeMarkdown(routeHeader(node.route).replace(/^Branch (\S+) deploys/, 'This branch ($1) deploys'))}` : ''),
  );
  item.resourceUri = node.folder.file;
  item.command = { command: COMMANDS.openStackFile, title: 'Open stagecraft.yaml', arguments: [node] };
  return item;
}

function stageItem(node: StageNode, providers: Providers): vscode.TreeItem {
  const { stage, status, drift } = node;
  const item = new vscode.TreeItem(stage.name, vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  const { word, icon: [icon, color] } = stageStatusWord(node);
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  item.contextValue = stageContextValue(
    status.kind === 'awaiting-approval' ? CONTEXT_VALUES.stageAwaitingApproval : stage.protected ? CONTEXT_VALUES.stageProtected : stage.personal ? CONTEXT_VALUES.stagePersonal : CONTEXT_VALUES.stage,
    { url: status.url !== undefined, database: stage.database !== 'none', drifted: drift !== undefined && drift.length > 0 },
  );
  // The row keeps to what fits the default sidebar: status, commit, when. The rest is in the hover.
  const when = formatRelativeTime(status.updatedAt, new Date());
  item.description = [word, status.commit?.slice(0, 7), status.kind === 'not-deployed' ? undefined : when].filter(Boolean).join(' · ');
  item.tooltip = stageTooltip(node, providers, word, when);
  item.command = { command: COMMANDS.openStackFile, title: 'Show stage definition', arguments: [node] };
  return item;
}

function stageTooltip(node: StageNode, providers: Providers, word: string, when: string | undefined): vscode.MarkdownString {
  const { stage, status, activity, drift } = node;
  const where = providers.describeStage(stage);
  const rejected = activity?.kind === 'rejected' ? `Last promotion rejected${activity.by ? ` by ${escapeMarkdown(activity.by)}` : ''}${activity.comment ? `: ${escapeMarkdown(activity.comment)}` : ''} (run ${escapeMarkdown(activity.runId)})` : undefined;
  const lines = [
    `**${escapeMarkdown(stage.name)}** (${escapeMarkdown(where)})${node.isBranchTarget ? ' · the current branch deploys here' : ''}`,
    `Status: ${escapeMarkdown(word)}${word !== STATUS_LABELS[status.kind] ? ` (provider: ${STATUS_LABELS[status.kind]})` : ''}${status.detail ? ` (${escapeMarkdown(status.detail)})` : ''}`,
    rejected,
    status.commit ? `Commit: \`${escapeMarkdown(status.commit)}\`${when && status.updatedAt ? `, ${when} (${escapeMarkdown(status.updatedAt)})` : ''}` : undefined,
    status.url ? `URL: ${escapeMarkdown(status.url)}` : undefined,
    drift?.length ? `Drifted from stagecraft.yaml:  \n${drift.map(d => `- ${escapeMarkdown(d.detail)}`).join('  \n')}` : undefined,
    [`Database: ${stage.database === 'postgres' ? 'PostgreSQL' : 'none'}`, `Manual approval: ${stage.requireApproval ? 'yes' : 'no'}`, ...(providers.module(stage.provider)?.stageTraits?.(stage) ?? []).map(escapeMarkdown)].join(' · '),
    stage.protected ? 'Protected: destroy needs an explicit confirmation' : undefined,
    stage.branches ? `Branches: ${stage.branches.map(escapeMarkdown).join(', ')}` : undefined,
    stage.personal
      ? `Personal stage of ${escapeMarkdown(stage.personal.owner)} for ${escapeMarkdown(stage.personal.branch)}; ${formatExpiresIn(stage.personal.expiresAt, new Date())} (${escapeMarkdown(stage.personal.expiresAt)}), or when its branch is merged or deleted`
      : undefined,
  ].filter(Boolean);
  return new vscode.MarkdownString(lines.join('  \n'));
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
