import { StagecraftError } from './errors';
import type { Stack } from './model';
import { listRuns, startRun, type RunEvent, type RunHandle, type RunRecord, type StepExecutor } from './pipeline';
import { findStage } from './release';
import { readStageState } from './stageState';

/** A release of a stage: a run that switched the stage to a commit's artifact. */
export interface StageRelease {
  stage: string;
  commit: string;
  runId: string;
  artifact?: string;
  /** When the stage switched to it. */
  at: string;
  /** It was itself a rollback. */
  rollback: boolean;
}

/** Every release of `stage` in the run records, newest first. */
export function stageReleases(runs: readonly RunRecord[], stage: string): StageRelease[] {
  const out: StageRelease[] = [];
  for (const run of runs) {
    const rec = run.stageRecords[stage];
    if (rec?.status !== 'serving' || !rec.commit) continue;
    const promote = run.steps.find(s => s.stage === stage && s.kind === 'promote');
    out.push({ stage, commit: rec.commit, runId: run.id, ...(rec.artifact ?? run.artifact?.id ? { artifact: rec.artifact ?? run.artifact?.id } : {}), at: promote?.endedAt ?? run.createdAt, rollback: !!run.rollbackTo });
  }
  return out.sort((a, b) => (a.runId < b.runId ? 1 : -1));
}

const RUN_ID = /^\d{8}-\d{6}-\d{3}-[0-9a-f]{4}$/;

/**
 * The release to go back to: `to` is a run id or a commit (prefix of 4+ hex digits); without it,
 * the newest release of a commit other than the one the stage runs now.
 */
export function pickRelease(releases: readonly StageRelease[], stage: string, runningCommit: string | undefined, to?: string): StageRelease {
  const list = releases.map(r => `${r.commit.slice(0, 8)} (run ${r.runId})`).slice(0, 5).join(', ');
  const hint = releases.length ? `Releases of ${stage}, newest first: ${list}. See \`stagecraft releases --stage ${stage}\`.` : `Nothing was ever released to ${stage}: \`stagecraft deploy ${stage}\` releases the current commit.`;
  if (to) {
    const found = RUN_ID.test(to) ? releases.find(r => r.runId === to) : /^[0-9a-f]{4,64}$/i.test(to) ? releases.find(r => r.commit.startsWith(to.toLowerCase())) : undefined;
    if (!found) throw new StagecraftError(`No release of ${stage} matches "${to}" (a run id or a commit that once served ${stage}).`, { kind: 'input', hint });
    return found;
  }
  const earlier = releases.find(r => r.commit !== runningCommit);
  if (!earlier) throw new StagecraftError(`Stage ${stage} has no earlier release to roll back to${runningCommit ? ` (it runs ${runningCommit.slice(0, 8)}, its only release)` : ''}.`, { kind: 'input', hint });
  return earlier;
}

/**
 * Migrations recorded on `stage` after `release`: runs whose migrate step succeeded there. A
 * rollback never runs them backwards, so the older code meets the newer schema.
 */
export function migrationsSince(runs: readonly RunRecord[], stage: string, release: StageRelease): RunRecord[] {
  return runs.filter(r => r.id > release.runId && r.steps.some(s => s.stage === stage && s.kind === 'migrate' && (s.status === 'succeeded' || s.status === 'warning')));
}

export interface RollbackOptions {
  /** The stage's provider's executor (the caller resolves the provider). */
  executor: StepExecutor;
  /** Run id or commit; the previous release when absent. */
  to?: string;
  user: string;
  autoApprove?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
}

export interface RollbackStart {
  release: StageRelease;
  /** What a person must read before it goes on: a rebuilt artifact, a schema that moved. */
  warnings: string[];
  handle: RunHandle;
}

/**
 * Redeploys an earlier release of a stage: a pipeline run of that stage alone that supplies the
 * recorded artifact (no source or build steps, so no rebuild and no build checks) and goes through
 * the stage's gates: approval where required, deploy beside the running version, health and
 * synthetic checks, then the switch. Migrations are left out: they never run backwards.
 */
export async function startRollback(stack: Stack, stageName: string, options: RollbackOptions): Promise<RollbackStart> {
  const stage = findStage(stack, stageName);
  const runs = await listRuns(stack.root);
  const running = (await readStageState(stack.root, stage.name)).commit;
  const release = pickRelease(stageReleases(runs, stage.name), stage.name, running, options.to);
  const warnings: string[] = [];
  if (stack.service.migrate) {
    const moved = migrationsSince(runs, stage.name, release);
    if (moved.length) {
      const which = moved.map(r => `${r.commit.slice(0, 8)} (run ${r.id})`).join(', ');
      warnings.push(`The database schema of ${stage.name} has moved since ${release.commit.slice(0, 8)}: migrations ran for ${which}. A rollback never runs a migration backwards, so ${release.commit.slice(0, 8)} will run against the newer schema.`);
    }
  }
  const handle = await deployRecordedRelease(stack, stage.name, release, options, warnings, {
    migrate: false,
    rollbackTo: { stage: stage.name, commit: release.commit, runId: release.runId },
  });
  return { release, warnings, handle };
}

/** What a redeploy of a recorded release passes to the run besides the artifact. */
export interface RedeployExtras {
  migrate?: boolean;
  rollbackTo?: RunRecord['rollbackTo'];
}

/**
 * Starts a run of one stage that deploys a recorded release's artifact (no source or build steps,
 * so no rebuild and no build checks) through the stage's gates. The path a rollback and a
 * promotion of a release share. A missing artifact is rebuilt from its commit: `warnings` says so.
 */
export async function deployRecordedRelease(
  stack: Stack,
  stageName: string,
  release: Pick<StageRelease, 'commit' | 'runId' | 'artifact'>,
  options: Omit<RollbackOptions, 'to'>,
  warnings: string[],
  extras: RedeployExtras = {},
): Promise<RunHandle> {
  let artifact = release.artifact ? { id: release.artifact, commit: release.commit } : undefined;
  if (artifact && options.executor.artifactExists && !(await options.executor.artifactExists(artifact))) {
    warnings.unshift(`The artifact ${artifact.id.slice(0, 12)} of ${release.commit.slice(0, 8)} is no longer there: it is rebuilt from its commit (with the build checks) before it is deployed.`);
    artifact = undefined;
  } else if (!artifact) {
    warnings.unshift(`Run ${release.runId} recorded no artifact for ${release.commit.slice(0, 8)}: it is rebuilt from its commit before it is deployed.`);
  }
  return startRun({
    stack,
    executor: options.executor,
    commit: release.commit,
    stages: [stageName],
    ...(artifact ? { artifact } : {}),
    ...(extras.migrate === false ? { migrate: false } : {}),
    ...(extras.rollbackTo ? { rollbackTo: extras.rollbackTo } : {}),
    startedBy: options.user,
    autoApprove: options.autoApprove ? { by: options.user } : undefined,
    signal: options.signal,
    onEvent: options.onEvent,
  });
}
