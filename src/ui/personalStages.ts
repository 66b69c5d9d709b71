import * as vscode from 'vscode';
import { StagecraftError } from '../core/errors';
import { expirePersonalStages } from '../core/personal/expire';
import { extendPersonalStage } from '../core/personal/extend';
import { formatExpiresIn } from '../core/personal/ttl';
import { readRepoFacts } from '../git/repo';
import { registerCommand } from './commandWrapper';
import { COMMANDS } from './ids';
import type { ExtensionLog } from './log';
import { readSettings } from './settings';
import type { StackWorkspace } from './stackWorkspace';
import { resolveStage } from './stagePicker';

const DAY_MS = 86_400_000;
/** A workspace change (a refresh, a run) sweeps at most this often; the timer sweeps daily regardless. */
const SWEEP_THROTTLE_MS = 60 * 60_000;

/**
 * Personal stages while VS Code is open: Extend Personal Stage (tree action and palette), a sweep
 * that destroys expired ones (shortly after start, on refresh at most hourly, and daily), and a
 * warning to their owner a day before one goes.
 */
export function registerPersonalStages(context: vscode.ExtensionContext, log: ExtensionLog, workspace: StackWorkspace): void {
  const warned = new Set<string>();
  let lastSweep = Date.now();

  registerCommand(context, log, COMMANDS.extendStage, async (arg?: unknown) => {
    const { stack, stage } = await resolveStage(workspace, arg, 'Extend which personal stage?');
    if (!stage.personal) throw new StagecraftError(`Stage "${stage.name}" is a stage of stagecraft.yaml: it never expires.`, { kind: 'input' });
    const pick = await vscode.window.showQuickPick(
      [1, 3, 7, 14].map(days => ({ label: `${days} day${days === 1 ? '' : 's'} more`, days })),
      { placeHolder: `${stage.name} ${formatExpiresIn(stage.personal.expiresAt, new Date())}: keep it how much longer?` },
    );
    if (!pick) throw StagecraftError.cancelled();
    const until = await extendPersonalStage(stack, stage.name, { days: pick.days, defaultTtl: readSettings().personalStageTtl });
    workspace.refresh();
    void vscode.window.showInformationMessage(`Personal stage ${stage.name} now lives until ${new Date(until).toLocaleString()}.`);
  });

  const sweep = async (): Promise<void> => {
    lastSweep = Date.now();
    for (const stack of await workspace.stacks().catch(() => [])) {
      try {
        const report = await expirePersonalStages(stack, { defaultTtl: readSettings().personalStageTtl, log: line => log.info(line), providers: workspace.providers });
        for (const e of report.expired) {
          if (e.destroyed) void vscode.window.showInformationMessage(`Stagecraft destroyed the personal stage ${e.name} (${e.owner}): ${e.why}.`);
          else log.error(`Could not destroy the expired personal stage ${e.name}: ${e.error}`);
        }
        const me = await readRepoFacts(stack.root);
        for (const s of report.soon) {
          const owner = stack.stages.find(st => st.name === s.name)?.personal?.ownerId;
          if (owner !== me.userId || warned.has(`${stack.root}/${s.name}`)) continue;
          warned.add(`${stack.root}/${s.name}`);
          const choice = await vscode.window.showWarningMessage(`Your personal stage ${s.name} ${formatExpiresIn(s.expiresAt, new Date())}: it is destroyed then.`, 'Extend');
          if (choice === 'Extend') await vscode.commands.executeCommand(COMMANDS.extendStage, { kind: 'stage', stack, stage: stack.stages.find(st => st.name === s.name) });
        }
        if (report.expired.length) workspace.refresh();
      } catch (err) {
        log.error(`Personal stage sweep of ${stack.name} failed`, err);
      }
    }
  };

  // Not during activation: it stays cheap. Then daily, and on workspace changes at most hourly.
  const first = setTimeout(() => void sweep(), 30_000);
  const daily = setInterval(() => void sweep(), DAY_MS);
  context.subscriptions.push(
    { dispose: () => (clearTimeout(first), clearInterval(daily)) },
    workspace.onDidChange(() => {
      if (Date.now() - lastSweep > SWEEP_THROTTLE_MS) void sweep();
    }),
  );
}
