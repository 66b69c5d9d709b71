import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Stack } from '../../core/model';
import { renderStage } from '../stageTemplate';
import { templateBody } from '../templates';

/**
 * What the pipeline's build hands to the deploy actions: per AWS stage, the stage template with
 * its env and origins filled in (`<stage>.template.json`) and a CloudFormation template
 * configuration with its parameters and tags (`<stage>.config.json`). All stages get the same
 * image digest: it is built once.
 */
export function renderStageArtifacts(stack: Stack, imageUri: string, commit: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const stage of stack.stages.filter(s => s.provider === 'aws')) {
    const r = renderStage({ stack, stage, imageUri, commit });
    files.set(`${stage.name}.template.json`, templateBody(r.template));
    files.set(`${stage.name}.config.json`, JSON.stringify({ Parameters: r.parameters, Tags: r.tags }, null, 2) + '\n');
  }
  return files;
}

export async function writeStageArtifacts(stack: Stack, imageUri: string, commit: string, outDir: string): Promise<string[]> {
  await fs.mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const [name, content] of renderStageArtifacts(stack, imageUri, commit)) {
    const file = path.join(outDir, name);
    await fs.writeFile(file, content);
    written.push(file);
  }
  return written;
}
