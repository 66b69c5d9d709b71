import { promises as fs } from 'node:fs';
import { StagecraftError } from '../core/errors';
import type { EnvValue, Stack, Stage, StageStatus } from '../core/model';
import { findPendingApprovals, pendingApprovalAt, type PendingApproval, type StepExecutor } from '../core/pipeline';
import type { ArtifactRef, DatabaseSecret, LogLine, LogOptions, Provider, WorkContext } from '../core/provider';
import { readStageState, stageStateFile, writeStageState } from '../core/stageState';
import { stateDir } from '../core/workspace';
import * as path from 'node:path';
import { loadArtifact } from './build';
import { destroyStageDatabase, ensureStageDatabase, readStageDatabaseSecret, rotateStageDatabasePassword } from './database';
import { connectStageRuntime, readStageRuntimeStatus } from './runtime/client';
import { runtimePaths } from './runtime/paths';
import { LocalStepExecutor } from './executor';
import { tailLocalLog } from './logs/tail';
import { localRunningDrift } from './runningConfig';
import { deployArtifact } from './stageDeployer';
import { deleteStageSecrets, storeStageSecret } from './stageSecrets';

/**
 * The embedded default: every stage runs on this machine as a detached runtime (its proxy and
 * app processes), with a PostgreSQL of its own when it asks for one. Works with no cloud account.
 */
export class LocalProvider implements Provider {
  readonly name = 'local' as const;
  /** A read of the workspace's runs in progress: the status of every stage of a tree refresh shares it. */
  private readonly approvalReads = new Map<string, Promise<PendingApproval[]>>();

  private pendingApprovals(root: string): Promise<PendingApproval[]> {
    let read = this.approvalReads.get(root);
    if (!read) {
      read = findPendingApprovals(root).finally(() => this.approvalReads.delete(root));
      this.approvalReads.set(root, read);
    }
    return read;
  }

  async status(stack: Stack, stage: Stage): Promise<StageStatus> {
    const [recorded, runtime, pending] = await Promise.all([
      readStageState(stack.root, stage.name),
      readStageRuntimeStatus(stack.root, stage.name),
      this.pendingApprovals(stack.root).then(all => pendingApprovalAt(all, stage.name), () => undefined),
    ]);
    const commit = runtime.active?.commit ?? recorded.commit;
    const base: StageStatus = { ...recorded, commit, artifact: runtime.active?.artifactId ?? recorded.artifact, url: runtime.url ?? recorded.url };
    if (pending) return { ...base, kind: 'awaiting-approval', detail: `run ${pending.runId} waits for approval` };
    if (runtime.candidate) return { ...base, kind: 'deploying', detail: `candidate ${runtime.candidate.commit.slice(0, 8)} starting` };
    if (runtime.running && runtime.active) {
      const crashed = runtime.restarts > 0 ? `restarted ${runtime.restarts} time(s) after crashes` : undefined;
      return { ...base, kind: crashed ? 'failed' : 'healthy', detail: crashed ?? recorded.detail };
    }
    if (runtime.lastActive || recorded.kind === 'healthy') return { ...base, kind: 'stopped', url: undefined, detail: 'not running on this machine' };
    return { ...base, kind: recorded.kind };
  }

  /** Promotes an already built artifact to one stage, blue/green; the old version keeps serving on failure. */
  async deploy(stack: Stack, stage: Stage, artifact: ArtifactRef, ctx: WorkContext = {}): Promise<StageStatus> {
    const built = await loadArtifact(path.join(stateDir(stack.root), 'artifacts'), artifact.id);
    const url = await deployArtifact(stack, stage, built, artifact.commit, ctx);
    const status: StageStatus = { kind: 'healthy', commit: artifact.commit, artifact: artifact.id, url };
    await writeStageState(stack.root, stage.name, status);
    return status;
  }

  async destroy(stack: Stack, stage: Stage, ctx: WorkContext & { force?: boolean } = {}): Promise<void> {
    if (stage.protected && !ctx.force) {
      throw new StagecraftError(`Stage "${stage.name}" is protected: destroying it deletes its database and data.`, { kind: 'input', hint: 'Confirm explicitly (`stagecraft destroy STAGE --force`).' });
    }
    const runtime = await connectStageRuntime(stack.root, stage.name, { origins: stage.origins, signal: ctx.signal, start: false });
    if (runtime) {
      ctx.log?.(`stopping ${stage.name}'s processes and proxy`);
      await runtime.stop();
    }
    ctx.log?.(`removing ${stage.name}'s database, secrets and state`);
    await destroyStageDatabase(stack.root, stage.name);
    await deleteStageSecrets(stack.root, stage.name);
    const paths = runtimePaths(stack.root, stage.name);
    await fs.rm(paths.dir, { recursive: true, force: true });
    await fs.rm(stageStateFile(stack.root, stage.name), { force: true });
  }

  /**
   * New env or origins: origins switch at the proxy at once; env changes need the app restarted,
   * so the active artifact is redeployed blue/green with the stage's new environment.
   */
  runningDrift(stack: Stack, stage: Stage) {
    return localRunningDrift(stack, stage);
  }

  async applyConfiguration(stack: Stack, stage: Stage, change: { env?: Record<string, EnvValue>; origins?: string[] }, ctx: WorkContext = {}): Promise<void> {
    const updated: Stage = { ...stage, env: change.env ?? stage.env, origins: change.origins ?? stage.origins };
    const runtime = await connectStageRuntime(stack.root, stage.name, { origins: updated.origins, signal: ctx.signal, start: false });
    if (!runtime) {
      ctx.log?.(`${stage.name} is not running; the change applies at its next deploy`);
      return;
    }
    if (change.origins) ctx.log?.(`origins of ${stage.name} now: ${updated.origins.length ? updated.origins.join(', ') : 'localhost only'}`);
    if (change.env) await this.redeployActive(stack, updated, ctx, 'environment changed');
  }

  async storeSecret(stack: Stack, stage: Stage, name: string, value: string): Promise<void> {
    await storeStageSecret(stack.root, stage.name, name, value);
  }

  ensureDatabase(stack: Stack, stage: Stage, ctx: WorkContext = {}): Promise<DatabaseSecret> {
    return ensureStageDatabase(stack.root, stage.name, { signal: ctx.signal, log: ctx.log });
  }

  databaseSecret(stack: Stack, stage: Stage): Promise<DatabaseSecret | undefined> {
    return readStageDatabaseSecret(stack.root, stage.name);
  }

  /** New password in the database and the secret, then the app restarted with it (blue/green). */
  async rotateDatabasePassword(stack: Stack, stage: Stage, ctx: WorkContext = {}): Promise<void> {
    if (!(await readStageDatabaseSecret(stack.root, stage.name))) {
      throw new StagecraftError(`Stage "${stage.name}" has no database yet.`, { kind: 'input', hint: 'Create it first (database: postgres, then deploy), or use "Create database for this stage".' });
    }
    await rotateStageDatabasePassword(stack.root, stage.name, { signal: ctx.signal, log: ctx.log });
    ctx.log?.(`password of ${stage.name}'s database changed`);
    await this.redeployActive(stack, stage, ctx, 'database password rotated');
  }

  logs(stack: Stack, stage: Stage, options: LogOptions, ctx: WorkContext = {}): AsyncIterable<LogLine> {
    return tailLocalLog(stack.root, stage.name, { ...options, signal: ctx.signal });
  }

  pipelineExecutor(stack: Stack): StepExecutor {
    return new LocalStepExecutor(stack);
  }

  private async redeployActive(stack: Stack, stage: Stage, ctx: WorkContext, why: string): Promise<void> {
    const runtime = await readStageRuntimeStatus(stack.root, stage.name);
    if (!runtime.running || !runtime.active) {
      ctx.log?.(`${stage.name} is not running; the change applies at its next deploy`);
      return;
    }
    ctx.log?.(`${why}: restarting ${stage.name} (${runtime.active.commit.slice(0, 8)}) blue/green`);
    const built = await loadArtifact(path.join(stateDir(stack.root), 'artifacts'), runtime.active.artifactId);
    await deployArtifact(stack, stage, built, runtime.active.commit, ctx);
  }
}
