import * as vscode from 'vscode';
import { StagecraftError } from '../../core/errors';
import { registerCommand } from '../commandWrapper';
import { COMMANDS } from '../ids';
import type { ExtensionLog } from '../log';
import type { StagecraftNode } from '../tree';

const DRIFT_SCHEME = 'stagecraft-drift';

type StageRowNode = StagecraftNode & { kind: 'stage' };

function stageRow(arg: unknown, command: string): StageRowNode {
  const node = arg as StagecraftNode | undefined;
  if (node && typeof node === 'object' && node.kind === 'stage') return node;
  throw new StagecraftError(`${command} acts on a stage of the Stacks view.`, { kind: 'input' });
}

function urlOf(node: StageRowNode): string {
  if (!node.status.url) throw new StagecraftError(`Stage "${node.stage.name}" has no URL yet: deploy it first.`, { kind: 'input' });
  return node.status.url;
}

/** What a stage row offers beside its menu: its URL (open, copy) and how it drifted from the file. */
export function registerStageRowCommands(context: vscode.ExtensionContext, log: ExtensionLog): void {
  // Show Drift opens a read-only document (no "Save changes?" on close), its text kept by URI.
  const reports = new Map<string, string>();
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(DRIFT_SCHEME, { provideTextDocumentContent: uri => reports.get(uri.toString()) ?? '' }));
  registerCommand(context, log, COMMANDS.openStageUrl, async (arg?: unknown) => {
    await vscode.env.openExternal(vscode.Uri.parse(urlOf(stageRow(arg, 'Open in Browser'))));
  });
  registerCommand(context, log, COMMANDS.copyStageUrl, async (arg?: unknown) => {
    const url = urlOf(stageRow(arg, 'Copy URL'));
    await vscode.env.clipboard.writeText(url);
    void vscode.window.setStatusBarMessage(`Copied ${url}`, 3000);
  });
  registerCommand(context, log, COMMANDS.showDrift, async (arg?: unknown) => {
    const node = stageRow(arg, 'Show Drift');
    const differences = node.drift ?? [];
    const lines = [
      `# ${node.stage.name}: running version vs stagecraft.yaml`,
      '',
      differences.length === 0 ? 'The running version matches stagecraft.yaml.' : 'Deploy the stage to apply the file, or change the file to match what runs.',
      '',
      ...differences.map(d => `- **${d.what}** \`${d.key}\`: ${d.detail}`),
    ];
    const uri = vscode.Uri.from({ scheme: DRIFT_SCHEME, path: `/${node.stack.name}/${node.stage.name} drift.md`, query: String(Date.now()) });
    reports.set(uri.toString(), lines.join('\n') + '\n');
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document, { preview: true });
    return document;
  });
}
