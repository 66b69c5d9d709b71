import { RESERVED_ENV_NAMES } from '../../core/env';
import { envRecord, envRevision, envRows, environmentHandlers, readDockerfileEnv } from '../../protocol/host/environment';
import type { EnvironmentInit, PanelDraft } from '../../protocol/messages';
import { withCancellableProgress } from '../cancellation';
import type { ExtensionLog } from '../log';
import type { StackWorkspace } from '../stackWorkspace';
import type { PanelSpec } from './panelManager';
import { currentStage, isStageGone, stageKey, type StageRef } from './stageRef';
import { deployPrompts } from '../deployPrompts';
import { editorStackPort } from './stackFileWrite';
import { openStackFileAt, stageHeader } from './common';
import { withStageLock } from '../../core/stageLock';

/** The Environment Variables panel of one stage. */
export function environmentPanel(workspace: StackWorkspace, log: ExtensionLog, ref: StageRef, stackName: string): PanelSpec {
  const fileHandlers = () => environmentHandlers(editorStackPort(workspace, ref.file), ref.stage, readDockerfileEnv, workspace.providers);
  return {
    kind: 'environment',
    key: stageKey('environment', ref),
    title: `Environment: ${ref.stage} (${stackName})`,
    saveOnClose: {
      question: () => `Save changes to ${ref.stage} environment?`,
      saveLabel: 'Save',
      save: async (draft: Extract<PanelDraft, { panel: 'environment' }>) => {
        await fileHandlers()['environment.save']!({ rows: draft.rows });
      },
    },
    build: () => ({
      async loadInit(): Promise<EnvironmentInit> {
        const { stack, stage } = await currentStage(workspace, ref);
        const dockerfileEnv = await readDockerfileEnv(stack);
        return {
          panel: 'environment',
          header: stageHeader(workspace, stack, stage),
          rows: envRows(stage),
          dockerfileEnv: [...dockerfileEnv].map(([name, v]) => ({ name, value: v.value, line: v.line })),
          dockerfile: stack.service.dockerfile,
          reserved: [...RESERVED_ENV_NAMES],
          revision: envRevision(stage),
        };
      },
      stillExists: async () => !(await isStageGone(workspace, ref)),
      handlers: {
        ...fileHandlers(),
        'environment.apply': async () => {
          const { stack, stage } = await currentStage(workspace, ref);
          const action = `Apply environment variables to ${stage.name}`;
          const provider = await workspace.providers.get(stage.provider, action);
          await withCancellableProgress(action, signal => withStageLock(stack.root, stage.name, { action: `applying the environment of ${stage.name}` }, () => provider.applyConfiguration(stack, stage, { env: envRecord(envRows(stage)) }, { signal, log: line => log.info(line), prompts: deployPrompts() }), { signal, onWait: (_h, m) => log.info(`${stage.name}: ${m}`) }));
          log.info(`Applied the environment of ${stack.name}/${stage.name}`);
          return { applied: true };
        },
        'stack.open': async () => {
          await openStackFileAt(workspace, ref);
          return { opened: true };
        },
      },
    }),
  };
}
