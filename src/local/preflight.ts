import { StagecraftError } from '../core/errors';
import { runProcess } from '../core/exec';
import type { Stack } from '../core/model';
import { analyseDockerfile } from '../core/processMode';
import { formatFinding, processModeReport } from '../core/processModeReport';
import type { ProviderValidation } from '../core/providerModule';

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

/** `stagecraft validate` for local stages: every Dockerfile instruction process mode skips, emulates or refuses. */
export async function processModeValidation(stack: Stack): Promise<ProviderValidation> {
  const report = await processModeReport(stack.root, stack.service.dockerfile);
  // No Dockerfile yet: nothing to report (the build says so when it needs one).
  if (!report.found) return {};
  const refused = report.findings.filter(f => f.action === 'refuse').length;
  const count = (a: string) => report.findings.filter(f => f.action === a).length;
  return {
    lines: [
      ...report.findings.map(f => ({ text: formatFinding(report.file, f), error: f.action === 'refuse' })),
      { text: `${report.file}: process mode (local stages) ${refused ? 'cannot run it' : 'can run it'}: ${refused} refused, ${count('skip')} skipped, ${count('emulate')} emulated.`, error: refused > 0 },
    ],
    invalid: refused > 0,
    json: { processMode: report },
  };
}
