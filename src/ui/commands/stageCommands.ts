import * as vscode from 'vscode';
import { StagecraftError } from '../../core/errors';
import { requireProvider } from '../../core/providers';
import { registerCommand } from '../commandWrapper';
import { COMMANDS } from '../ids';
import type { ExtensionLog } from '../log';
import type { StackWorkspace } from '../stackWorkspace';
import { registerTailLogs } from '../logs';
import { resolveStage } from '../stagePicker';

/**
 * Commands that act on a deployed stage. Each goes through the provider registry; while a
 * provider or feature is not built yet, the command says so plainly rather than doing nothing.
 */
export function registerStageCommands(context: vscode.ExtensionContext, log: ExtensionLog, workspace: StackWorkspace): void {
  const providerCommand = (id: string, title: string) =>
    registerCommand(context, log, id, async (arg?: unknown) => {
      const { stage } = await resolveStage(workspace, arg, `${title}: which stage?`);
      await requireProvider(stage.provider, `${title} (${stage.name})`);
      throw new StagecraftError(`${title} is not wired to the ${stage.provider} provider yet.`, { kind: 'unavailable' });
    });
  // Deploy, Run Pipeline, approvals, Destroy and Rotate live in pipelineCommands.ts; the
  // panels (env vars, origins, database secret) in src/ui/panels.
  registerTailLogs(context, log, workspace);
}
