import { StagecraftError } from '../core/errors';
import { runProcess } from '../core/exec';
import type { Stack } from '../core/model';
import { analyseDockerfile } from '../core/processMode';

/**
 * Before a run with local stages starts: the commit's Dockerfile must be one process mode can run.
 * What it refuses (an external `COPY --from` image, a cyclic stage) is bad input, named by line.
 */
export async function refuseUnrunnableDockerfile(stack: Stack, commit: string): Promise<void> {
  const shown = await runProcess('git', ['show', `${commit}:${stack.service.dockerfile.replace(/^\.\//, '')}`], { cwd: stack.root, keepOutput: 1_000_000, captureStdout: true });
  if (shown.code !== 0 || shown.stdout === undefined) return; // The build says the Dockerfile is missing.
  const refusals = analyseDockerfile(shown.stdout).findings.filter(f => f.action === 'refuse');
  if (refusals.length === 0) return;
  const lines = refusals.map(f => `${stack.service.dockerfile}:${f.line}:${f.column}: ${f.reason}`).join('\n');
  throw new StagecraftError(`Process mode (local stages) cannot run ${stack.service.dockerfile} at ${commit.slice(0, 8)}:\n${lines}`, { kind: 'input', hint: refusals[0].fix });
}
