import * as vscode from 'vscode';
import { StagecraftError } from '../../core/errors';
import { requireProvider } from '../../core/providers';
import { registerCommand } from '../commandWrapper';
import { COMMANDS } from '../ids';
import type { ExtensionLog } from '../log';
import type { StackWorkspace } from '../stackWorkspace';
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
  providerCommand(COMMANDS.deployStage, 'Deploy Stage');
  providerCommand(COMMANDS.destroyStage, 'Destroy Stage');
  providerCommand(COMMANDS.showDatabaseSecret, 'Show Database Secret');
  providerCommand(COMMANDS.rotateDatabasePassword, 'Rotate Database Password');
  providerCommand(COMMANDS.tailLogs, 'Tail Logs');
  providerCommand(COMMANDS.approvePromotion, 'Approve Promotion');
  providerCommand(COMMANDS.rejectPromotion, 'Reject Promotion');

  const notYet = (id: string, message: string, hint: string) =>
    registerCommand(context, log, id, () => {
      throw new StagecraftError(message, { kind: 'unavailable', hint });
    });
  notYet(COMMANDS.runPipeline, 'Run Pipeline: the pipeline engine is not available in this version of Stagecraft yet.', 'See the README for what works today.');
  notYet(
    COMMANDS.editEnvironmentVariables,
    'Edit Environment Variables: the panel is not available in this version yet.',
    'Edit `env:` under the stage in stagecraft.yaml; the CLI also validates it (`stagecraft validate`).',
  );
  notYet(COMMANDS.editOrigins, 'Edit Origins: the panel is not available in this version yet.', 'Edit `origins:` under the stage in stagecraft.yaml.');
}
