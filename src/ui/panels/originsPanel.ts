import { originsHandlers, originsRevision } from '../../protocol/host/origins';
import type { OriginsInit, PanelDraft } from '../../protocol/messages';
import { originsToSave } from './unsavedEdits';
import { withCancellableProgress } from '../cancellation';
import type { ExtensionLog } from '../log';
import type { StackWorkspace } from '../stackWorkspace';
import { openStackFileAt, stageHeader } from './common';
import type { PanelSpec } from './panelManager';
import { currentStage, isStageGone, stageKey, type StageRef } from './stageRef';
import { deployPrompts } from '../deployPrompts';
import { editorStackPort } from './stackFileWrite';
import { withStageLock } from '../../core/stageLock';

/** The Origins panel of one stage: the CORS origins its proxy or load balancer allows. */
export function originsPanel(workspace: StackWorkspace, log: ExtensionLog, ref: StageRef, stackName: string): PanelSpec {
  return {
    kind: 'origins',
    key: stageKey('origins', ref),
    title: `Origins: ${ref.stage} (${stackName})`,
    saveOnClose: {
      question: () => `Save changes to ${ref.stage} origins?`,
      saveLabel: 'Save',
      save: async (draft: Extract<PanelDraft, { panel: 'origins' }>) => {
        await originsHandlers(editorStackPort(workspace, ref.file), ref.stage)['origins.save']!({ origins: originsToSave(draft) });
      },
    },
    build: () => ({
      async loadInit(): Promise<OriginsInit> {
        const { stack, stage } = await currentStage(workspace, ref);
        return { panel: 'origins', header: stageHeader(workspace, stack, stage), origins: [...stage.origins], revision: originsRevision(stage.origins) };
      },
      stillExists: async () => !(await isStageGone(workspace, ref)),
      handlers: {
        ...originsHandlers(editorStackPort(workspace, ref.file), ref.stage),
        'origins.apply': async () => {
          const { stack, stage } = await currentStage(workspace, ref);
          const action = `Apply origins to ${stage.name}`;
          const provider = await workspace.providers.get(stage.provider, action);
          await withCancellableProgress(action, signal => withStageLock(stack.root, stage.name, { action: `applying the origins of ${stage.name}` }, () => provider.applyConfiguration(stack, stage, { origins: [...stage.origins] }, { signal, log: line => log.info(line), prompts: deployPrompts() }), { signal, onWait: (_h, m) => log.info(`${stage.name}: ${m}`) }));
          log.info(`Applied the origins of ${stack.name}/${stage.name}`);
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
