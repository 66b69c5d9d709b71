import { listRuns } from './store';
import type { RunRecord, Step, StepContext, StepExecutor, StepKind, StepOutcome, StepRecord } from './types';

/** The checks of a built artifact that a later deploy of the same artifact need not run again. */
export const REUSABLE_CHECK_KINDS: ReadonlySet<StepKind> = new Set<StepKind>(['unit-tests', 'secret-scan', 'code-quality', 'sbom', 'audit']);

/** How many recent runs are searched for the artifact's recorded checks. */
const RUNS_SEARCHED = 100;

const REUSED = /^checks reused from run (\S+): ([\s\S]*)$/;

/**
 * Wraps a run's executor so a check step (tests, secret scan, lint, SBOM, audit) of an artifact
 * that an earlier run of the same commit built and checked is not run again: the recorded
 * outcome is taken over, its summary saying "checks reused from run X". A check that failed
 * before, or that no run recorded, runs as usual.
 */
export function reuseRecordedChecks(root: string, executor: StepExecutor): StepExecutor {
  let said = false;
  return {
    rollback: executor.rollback ? (stage, ctx) => executor.rollback!(stage, ctx) : undefined,
    artifactExists: executor.artifactExists ? artifact => executor.artifactExists!(artifact) : undefined,
    runFinished: executor.runFinished ? run => executor.runFinished!(run) : undefined,
    execute: async (step, ctx) => {
      if (!REUSABLE_CHECK_KINDS.has(step.kind) || !ctx.artifact) return executor.execute(step, ctx);
      const recorded = await recordedCheck(root, step, ctx);
      if (!recorded) return executor.execute(step, ctx);
      if (!said) ctx.log(`Checks reused from run ${recorded.runId}: artifact ${ctx.artifact.id.slice(0, 19)} of commit ${ctx.run.commit.slice(0, 8)} was built and checked there`);
      said = true;
      return recorded.outcome;
    },
  };
}

/** The outcome a run recorded for this check of the same artifact and commit, if it passed. */
export async function recordedCheck(root: string, step: Step, ctx: Pick<StepContext, 'run' | 'artifact'>): Promise<{ runId: string; outcome: StepOutcome } | undefined> {
  const artifact = ctx.artifact?.id;
  if (!artifact) return undefined;
  const runs = await listRuns(root, { limit: RUNS_SEARCHED });
  for (const run of runs) {
    if (run.id === ctx.run.id || run.commit !== ctx.run.commit || run.artifact?.id !== artifact) continue;
    const recorded = passed(run, step.id);
    if (!recorded) continue;
    // A run that reused checks itself names the run that ran them.
    const earlier = REUSED.exec(recorded.summary ?? '');
    const runId = earlier ? earlier[1] : run.id;
    const summary = earlier ? earlier[2] : recorded.summary ?? recorded.status;
    return { runId, outcome: { status: recorded.status as StepOutcome['status'], summary: `checks reused from run ${runId}: ${summary}` } };
  }
  return undefined;
}

function passed(run: RunRecord, stepId: string): StepRecord | undefined {
  const step = run.steps.find(s => s.id === stepId);
  return step && (step.status === 'succeeded' || step.status === 'warning' || step.status === 'skipped') ? step : undefined;
}
