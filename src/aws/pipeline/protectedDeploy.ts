import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import type { Stack, Stage } from '../../core/model';
import { stageStackName } from '../../core/naming';
import type { AwsClients } from '../clients';
import { deployStack, type DeployStackResult } from '../cfn/deployStack';
import { monitoringMinutes, rollbackAlarmArns } from '../cfn/rollbackTriggers';
import { describeStack } from '../cfn/stacks';
import { toParameterList, toTagList } from '../stageTemplate';

export interface RenderedDeployWork {
  /** The service role CloudFormation acts as (the pipeline's DeployRole). */
  roleArn?: string;
  log?: (line: string) => void;
  signal?: AbortSignal;
  pollMs?: number;
}

/**
 * Deploys the files the pipeline's build rendered for one stage (`<stage>.template.json`,
 * `<stage>.config.json` in `dir`) the way the IDE and CLI deploy it: termination protection when
 * the change creates a protected stage, its alarms as rollback triggers with the stage's bake
 * time. CodePipeline's own CloudFormation action can do neither, so protected stages deploy
 * through this (the ProtectedDeploy action of templates/pipeline.yaml).
 */
export async function deployRenderedStage(clients: AwsClients, stack: Pick<Stack, 'name'>, stage: Stage, dir: string, work: RenderedDeployWork = {}): Promise<DeployStackResult> {
  const label = `${stack.name}/${stage.name}`;
  const read = async (name: string) => {
    const file = path.join(dir, name);
    try {
      return await fs.readFile(file, 'utf8');
    } catch {
      throw new StagecraftError(`${label}: ${file} is missing; the build writes it with \`stagecraft aws render-stages\`.`, { kind: 'input' });
    }
  };
  const templateBody = await read(`${stage.name}.template.json`);
  const configFile = `${stage.name}.config.json`;
  let config: { Parameters?: Record<string, string>; Tags?: Record<string, string> };
  try {
    config = JSON.parse(await read(configFile));
  } catch (err) {
    if (err instanceof StagecraftError) throw err;
    throw new StagecraftError(`${label}: ${configFile} is not JSON (${(err as Error).message}).`, { kind: 'input' });
  }
  const stackName = stageStackName(stack.name, stage.name);
  const current = await describeStack(clients, stackName, work.signal, `${label}: read stack ${stackName}`);
  return deployStack(clients, {
    stackName,
    label,
    templateBody,
    parameters: toParameterList(config.Parameters ?? {}),
    tags: toTagList(config.Tags ?? {}),
    protectOnCreate: stage.protected,
    rollbackAlarmArns: rollbackAlarmArns(current?.outputs),
    monitoringMinutes: monitoringMinutes(stage),
    roleArn: work.roleArn,
    log: work.log,
    signal: work.signal,
    pollMs: work.pollMs,
  });
}
