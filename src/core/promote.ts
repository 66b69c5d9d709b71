import { StagecraftError } from './errors';
import type { Stack } from './model';
import { listRuns, type RunHandle, type RunRecord } from './pipeline';
import { findStage } from './release';
import { deployRecordedRelease, stageReleases, type RollbackOptions } from './rollback';

const RUN_ID = /^\d{8}-\d{6}-\d{3}-[0-9a-f]{4}$/;

/** A commit's release as the run records know it: the artifact built from it and the stages it reached. */
export interface RecordedRelease {
  commit: string;
  /** The newest run that recorded its artifact. */
  runId: string;
  artifact?: string;
  /** Stages it served (now or earlier), in promotion order. */
  reached: string[];
}

/** `what` is a run id or a commit prefix (4+ hex digits); the newest run of that commit with an artifact wins. */
export function findRecordedRelease(stack: Stack, runs: readonly RunRecord[], what: string): RecordedRelease {
  const byRun = RUN_ID.test(what) ? runs.find(r => r.id === what) : undefined;
  const commit = byRun?.commit ?? (/^[0-9a-f]{4,64}$/i.test(what) ? runs.find(r => r.commit.startsWith(what.toLowerCase()))?.commit : undefined);
  if (!commit) {
    throw new StagecraftError(`No run recorded a release of "${what}" (a run id or a commit that a run deployed).`, {
      kind: 'input',
      hint: '`stagecraft releases` lists the commits and the runs that released them.',
    });
  }
  const ofCommit = runs.filter(r => r.commit === commit).sort((a, b) => (a.id < b.id ? 1 : -1));
  const withArtifact = (byRun?.artifact ? byRun : undefined) ?? ofCommit.find(r => r.artifact) ?? byRun ?? ofCommit[0];
  const reached = stack.stages.map(s => s.name).filter(stage => stageReleases(ofCommit, stage).length > 0);
  return { commit, runId: withArtifact.id, ...(withArtifact.artifact ? { artifact: withArtifact.artifact.id } : {}), reached };
}

/** The stages a release can be promoted to: later in the promotion order than every stage it reached. */
export function promotionTargets(stack: Stack, release: RecordedRelease): string[] {
  const order = stack.stages.map(s => s.name);
  const last = Math.max(-1, ...release.reached.map(s => order.indexOf(s)));
  return order.slice(last + 1);
}

export interface PromoteStart {
  release: RecordedRelease;
  warnings: string[];
  handle: RunHandle;
}

/**
 * Promotes a recorded release to a later stage it has not reached: a run of that stage alone that
 * deploys the recorded artifact (no rebuild, no build checks) through the stage's gates (approval
 * where required, health and synthetic checks, the switch), the same path as a rollback. Its
 * migrations run, as in any promotion: the schema moves forward.
 */
export async function startPromotion(stack: Stack, what: string, toStage: string, options: Omit<RollbackOptions, 'to'>): Promise<PromoteStart> {
  const stage = findStage(stack, toStage);
  const runs = await listRuns(stack.root);
  const release = findRecordedRelease(stack, runs, what);
  const targets = promotionTargets(stack, release);
  if (!targets.includes(stage.name)) {
    const why = release.reached.includes(stage.name) ? `it already reached ${stage.name}` : `${stage.name} is not after ${release.reached[release.reached.length - 1]} in the promotion order`;
    throw new StagecraftError(`Cannot promote ${release.commit.slice(0, 8)} to ${stage.name}: ${why}.`, {
      kind: 'input',
      hint: targets.length ? `It can go to: ${targets.join(', ')}.` : `It reached the last stage (${release.reached.join(', ')}); \`stagecraft rollback STAGE --to ${release.commit.slice(0, 8)}\` redeploys it where it ran before.`,
    });
  }
  const warnings: string[] = [];
  const handle = await deployRecordedRelease(stack, stage.name, release, options, warnings);
  return { release, warnings, handle };
}
