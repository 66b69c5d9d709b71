import * as vscode from 'vscode';
import { StackFileEditor } from '../../core/config/edit';
import { StagecraftError } from '../../core/errors';
import type { DatabaseSecret } from '../../core/provider';
import { redactor } from '../../core/redact';
import type { DatabaseInit } from '../../protocol/messages';
import { withCancellableProgress } from '../cancellation';
import type { ExtensionLog } from '../log';
import type { StackWorkspace } from '../stackWorkspace';
import { openStackFileAt, stageHeader } from './common';
import type { PanelSpec } from './panelManager';
import { currentStage, isStageGone, stageKey, type CurrentStage, type StageRef } from './stageRef';
import { deployPrompts } from '../deployPrompts';
import { editorStackPort } from './stackFileWrite';
import { withStageLock } from '../../core/stageLock';

/**
 * The Database Secret panel of one stage. The password never leaves the host unasked: the page
 * gets host, port, database and user; "Reveal" fetches the password for display only (the page
 * keeps it out of its saved state); "Copy" writes it to the clipboard here, on the host.
 */
export function databasePanel(workspace: StackWorkspace, log: ExtensionLog, ref: StageRef, stackName: string): PanelSpec {
  /** The stage's secret from its provider, each time anew (a rotation changes it). */
  const fetchSecret = async (action: string): Promise<{ current: CurrentStage; secret: DatabaseSecret }> => {
    const current = await currentStage(workspace, ref);
    const provider = await workspace.providers.get(current.stage.provider, `${action} (${ref.stage})`);
    const secret = await provider.databaseSecret(current.stack, current.stage);
    if (!secret) {
      throw new StagecraftError(`Stage "${ref.stage}" has no database yet.`, { kind: 'input', hint: 'Use "Create database for this stage", then deploy the stage.' });
    }
    redactor.add(secret.password); // from now on no log line can carry it
    return { current, secret };
  };

  return {
    kind: 'database',
    key: stageKey('database', ref),
    title: `Database: ${ref.stage} (${stackName})`,
    build: () => ({
      async loadInit(): Promise<DatabaseInit> {
        const { stack, stage } = await currentStage(workspace, ref);
        return { panel: 'database', header: stageHeader(workspace, stack, stage), hasDatabase: stage.database === 'postgres' };
      },
      stillExists: async () => !(await isStageGone(workspace, ref)),
      handlers: {
        'database.connection': async () => {
          const { secret } = await fetchSecret('Show Database Secret');
          return { host: secret.host, port: secret.port, database: secret.database, username: secret.username };
        },
        'database.reveal': async () => {
          const { secret } = await fetchSecret('Reveal the database password');
          return { password: secret.password };
        },
        'database.copy': async () => {
          const { secret } = await fetchSecret('Copy the database password');
          await vscode.env.clipboard.writeText(secret.password);
          return { copied: true };
        },
        'database.rotate': async () => {
          const { stack, stage } = await currentStage(workspace, ref);
          const provider = await workspace.providers.get(stage.provider, `Change the database password (${stage.name})`);
          const confirm = 'Change Password';
          const choice = await vscode.window.showWarningMessage(
            `Change the database password of stage "${stage.name}"?`,
            { modal: true, detail: 'A new password is generated and stored as the stage secret. Running apps keep the old one until they restart or redeploy.' },
            confirm,
          );
          if (choice !== confirm) throw StagecraftError.cancelled('Change Password');
          await withCancellableProgress(`Changing the database password of ${stage.name}`, signal => withStageLock(stack.root, stage.name, { action: `rotating the database password of ${stage.name}` }, () => provider.rotateDatabasePassword(stack, stage, { signal, log: line => log.info(line) }), { signal, onWait: (_h, m) => log.info(`${stage.name}: ${m}`) }));
          log.info(`Rotated the database password of ${stack.name}/${stage.name}`);
          return { rotated: true };
        },
        'database.create': async () => {
          const { stack, stage } = await currentStage(workspace, ref);
          if (stage.database === 'postgres') throw new StagecraftError(`Stage "${ref.stage}" already has a database.`, { kind: 'input' });
          // The provider first: when it is missing or fails, nothing is written.
          const provider = await workspace.providers.get(stage.provider, `Create a database for ${ref.stage}`);
          await withCancellableProgress(`Creating the database of ${stage.name}`, async signal => {
            const secret = await withStageLock(stack.root, stage.name, { action: `creating the database of ${stage.name}` }, () => provider.ensureDatabase(stack, stage, { signal, log: line => log.info(line), prompts: deployPrompts() }), { signal, onWait: (_h, m) => log.info(`${stage.name}: ${m}`) });
            redactor.add(secret.password);
          });
          // The file says so too, so that the app gets the connection variables at its next deploy.
          await editorStackPort(workspace, ref.file).edit(`Adding a database to "${ref.stage}"`, text => {
            const editor = new StackFileEditor(text, ref.file.fsPath);
            editor.setStageField(ref.stage, 'database', 'postgres');
            return editor.toString();
          });
          log.info(`Created the database of ${stackName}/${ref.stage} and set database: postgres in stagecraft.yaml`);
          return { created: true };
        },
        'stack.open': async () => {
          await openStackFileAt(workspace, ref);
          return { opened: true };
        },
      },
    }),
  };
}
