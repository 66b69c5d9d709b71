import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Stack } from '../../core/model';
import type { AwsClients } from '../clients';
import { readFoundation, type Foundation } from '../foundation';
import { describeStageSecrets } from '../stageSecrets';
import { renderStage, type StoredSecret } from '../stageTemplate';
import { templateBody } from '../templates';

/**
 * What the pipeline's build hands to the deploy actions: per AWS stage, the stage template with
 * its env and origins filled in (`<stage>.template.json`) and a CloudFormation template
 * configuration with its parameters and tags (`<stage>.config.json`). All stages get the same
 * image digest: it is built once.
 */
export function renderStageArtifacts(stack: Stack, imageUri: string, commit: string, foundation: Foundation, secrets: Record<string, Record<string, StoredSecret>> = {}): Map<string, string> {
  const files = new Map<string, string>();
  for (const stage of stack.stages.filter(s => s.provider === 'aws')) {
    const r = renderStage({ stack, stage, imageUri, commit, foundation, secrets: secrets[stage.name] });
    files.set(`${stage.name}.template.json`, templateBody(r.template));
    files.set(`${stage.name}.config.json`, JSON.stringify({ Parameters: r.parameters, Tags: r.tags }, null, 2) + '\n');
  }
  return files;
}

/** Reads the foundation and each stage's secrets (full ARNs, current versions), then writes the files. */
export async function writeStageArtifacts(clients: AwsClients, stack: Stack, imageUri: string, commit: string, outDir: string, signal?: AbortSignal): Promise<string[]> {
  const foundation = await readFoundation(clients, stack, signal);
  const secrets: Record<string, Record<string, StoredSecret>> = {};
  for (const stage of stack.stages.filter(s => s.provider === 'aws')) {
    const names = Object.values(stage.env).flatMap(v => (typeof v === 'string' ? [] : [v.secret]));
    secrets[stage.name] = await describeStageSecrets(clients, stack.name, stage.name, names, signal);
  }
  await fs.mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const [name, content] of renderStageArtifacts(stack, imageUri, commit, foundation, secrets)) {
    const file = path.join(outDir, name);
    await fs.writeFile(file, content);
    written.push(file);
  }
  return written;
}
