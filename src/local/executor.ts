import * as path from 'node:path';
import { StagecraftError } from '../core/errors';
import type { ArtifactRef, Stack, Stage } from '../core/model';
import type { RollbackContext, Step, StepContext, StepExecutor, StepOutcome } from '../core/pipeline';
import { exportedSource, failedOutcome, stepShell } from '../core/pipeline/sourceChecks';
import { keepCount } from '../core/retention';
import { stateDir } from '../core/workspace';
import { buildArtifact, loadArtifact, type BuiltArtifact } from './artifact';
import { ensureStageDatabase } from './database';
import { collectLocalGarbage } from './gc';
import { checkHealth, openRuntime, runSyntheticChecks, startCandidate } from './stageDeployer';
import type { CandidateIdentity } from './runtime/protocol';
import { stageEnvironment } from './stageEnv';
import { readStageSecrets } from './stageSecrets';

/**
 * Runs the local provider's pipeline steps on this machine: the exported commit is built once
 * into a content-addressed artifact and promoted stage by stage through each stage's runtime
 * (blue/green behind its proxy). The source checks are core's (see runExecutor).
 */
export class LocalStepExecutor implements StepExecutor {
  constructor(private readonly stack: Stack) {}

  async execute(step: Step, ctx: StepContext): Promise<StepOutcome> {
    switch (step.kind) {
      case 'artifact':
        return this.artifact(ctx);
      case 'migrate':
        return this.migrate(step, ctx);
      case 'deploy':
        return this.deploy(step, ctx);
      case 'health':
        return checkHealth(this.stack, this.stage(step), this.candidateUrl(step, ctx), ctx);
      case 'synthetic':
        return runSyntheticChecks(this.stack, this.candidateUrl(step, ctx), ctx);
      case 'promote':
        return this.promote(step, ctx);
      default:
        throw new StagecraftError(`Step ${step.id} (${step.kind}) is not the local provider's: core runs it.`);
    }
  }

  async rollback(stage: Stage, ctx: RollbackContext): Promise<void> {
    const runtime = await openRuntime(this.stack, stage, ctx, false);
    if (!runtime) return;
    const status = await runtime.status();
    const mine = candidateOf(ctx);
    if (status.candidate && mine && (status.candidate.pid !== mine.pid || status.candidate.startedAt !== mine.startedAt)) {
      // Not the one this run started (issue 20): another operation's candidate is not ours to discard.
      ctx.log(`left candidate ${status.candidate.commit.slice(0, 8)} alone: another operation started it`);
    } else if (status.candidate) {
      await runtime.discardCandidate();
      ctx.log(`discarded the candidate ${status.candidate.commit.slice(0, 8)} (${ctx.reason})`);
    }
    // What the stage serves now, read back for the run's log rather than assumed.
    const after = await runtime.status();
    ctx.log(`${stage.name} serves ${after.active ? after.active.commit.slice(0, 8) : 'nothing'}`);
  }

  /** The sweep after every run: old artifacts, exported sources and run records go (see gc.ts). */
  async runFinished(): Promise<void> {
    await collectLocalGarbage(this.stack.root, keepCount());
  }

  /** A stage secret for the engine's notifications (a webhook URL); the store registers it with the redactor. */
  async readSecret(stage: string, name: string): Promise<string | undefined> {
    const values = await readStageSecrets(this.stack.root, stage);
    return Object.hasOwn(values, name) ? values[name] : undefined;
  }

  async artifactExists(artifact: ArtifactRef): Promise<boolean> {
    return loadArtifact(this.artifactsDir(), artifact.id).then(() => true, () => false);
  }

  private async artifact(ctx: StepContext): Promise<StepOutcome> {
    const dir = await exportedSource(this.stack, ctx);
    if (this.stack.service.build) {
      const result = await stepShell(this.stack.service.build, dir, ctx, process.env);
      if (result.code !== 0) return failedOutcome(`build command "${this.stack.service.build}" exited ${result.code}`, result);
    }
    const built = await buildArtifact({ root: dir, dockerfile: this.stack.service.dockerfile, commit: ctx.run.commit, artifactsDir: this.artifactsDir(), cacheDir: path.join(stateDir(this.stack.root), 'build-cache'), signal: ctx.signal, log: ctx.log });
    return {
      status: 'succeeded',
      summary: `${built.reused ? 'reused' : 'built'} artifact ${built.id.slice(0, 12)} (${built.manifest.runtime.binary} ${built.manifest.runtime.version})`,
      outputs: { artifact: built.id },
    };
  }

  private async migrate(step: Step, ctx: StepContext): Promise<StepOutcome> {
    const stage = this.stage(step);
    const artifact = await this.builtArtifact(ctx);
    if (stage.database === 'postgres') await ensureStageDatabase(this.stack.root, stage.name, { signal: ctx.signal, log: ctx.log });
    // Secret values were registered with this process's redactor as they were read: the run log masks them.
    const { env } = await stageEnvironment(this.stack, stage, artifact.manifest.env, ctx.run.commit);
    const command = step.command ?? this.stack.service.migrate!;
    const result = await stepShell(command, artifact.appDir, ctx, { PATH: process.env.PATH, HOME: process.env.HOME, ...env });
    if (result.code !== 0) return failedOutcome(`migration "${command}" exited ${result.code} on ${stage.name}`, result);
    return { status: 'succeeded', summary: `migration "${command}" done` };
  }

  private async deploy(step: Step, ctx: StepContext): Promise<StepOutcome> {
    const stage = this.stage(step);
    const artifact = await this.builtArtifact(ctx);
    const candidate = await startCandidate(this.stack, stage, artifact, ctx.run.commit, ctx);
    const outputs: Record<string, string> = { url: candidate.url, candidate: JSON.stringify({ artifactId: candidate.version.artifactId, pid: candidate.version.pid, startedAt: candidate.version.startedAt }) };
    if (candidate.previous) {
      outputs.previousCommit = candidate.previous.commit;
      outputs.previousArtifact = candidate.previous.artifactId;
    }
    const mode =
      candidate.version.mode === 'stop-then-start'
        ? ' (stop-then-start: the app ignores PORT)'
        : candidate.version.isolated
          ? ` (port ${candidate.version.port} in its own network namespace)`
          : '';
    return { status: 'succeeded', summary: `candidate ${ctx.run.commit.slice(0, 8)} running on ${candidate.url}${mode}`, outputs };
  }

  private async promote(step: Step, ctx: StepContext): Promise<StepOutcome> {
    const stage = this.stage(step);
    const runtime = await openRuntime(this.stack, stage, ctx, false);
    if (!runtime) throw new StagecraftError(`Stage "${stage.name}" has no running runtime to switch; deploy it again.`);
    // Only the candidate this run's deploy step started (issue 20): never one a concurrent operation left there.
    await runtime.promoteCandidate(candidateOf(ctx));
    // What the stage serves, read back from the runtime rather than assumed.
    const status = await runtime.status();
    const serves = status.active;
    if (!serves || serves.artifactId !== ctx.artifact?.id) {
      return { status: 'failed', summary: `${stage.name} does not serve this run's artifact after the switch: it serves ${serves ? `${serves.commit.slice(0, 8)} (artifact ${serves.artifactId.slice(0, 12)})` : 'nothing'}` };
    }
    return { status: 'succeeded', summary: `${stage.name} now serves ${serves.commit.slice(0, 8)} at ${status.url}`, outputs: status.url ? { url: status.url } : undefined };
  }

  private stage(step: Step): Stage {
    const stage = this.stack.stages.find(s => s.name === step.stage);
    if (!stage) throw new StagecraftError(`Step ${step.id} names stage "${step.stage}", which stagecraft.yaml no longer has.`, { kind: 'input' });
    return stage;
  }

  private candidateUrl(step: Step, ctx: StepContext): string {
    const url = ctx.stageOutputs.url;
    if (!url) throw new StagecraftError(`Step ${step.id}: no candidate address from the deploy step; run the stage's deploy again.`);
    return url;
  }

  private artifactsDir(): string {
    return path.join(stateDir(this.stack.root), 'artifacts');
  }

  private async builtArtifact(ctx: StepContext): Promise<BuiltArtifact> {
    if (!ctx.artifact) throw new StagecraftError('No artifact for this run: the build step did not run or did not record it.');
    return loadArtifact(this.artifactsDir(), ctx.artifact.id);
  }
}

/** The candidate the run's deploy step started (its `candidate` output), when recorded. */
function candidateOf(ctx: Pick<StepContext, 'stageOutputs'>): CandidateIdentity | undefined {
  try {
    const parsed = JSON.parse(ctx.stageOutputs.candidate ?? '') as CandidateIdentity;
    return typeof parsed.artifactId === 'string' && typeof parsed.pid === 'number' && typeof parsed.startedAt === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
