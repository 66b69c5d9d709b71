import { promises as fs } from 'node:fs';
import { StagecraftError } from '../core/errors';
import type { EnvValue, Stack, Stage, StageStatus } from '../core/model';
import type { StepExecutor } from '../core/pipeline';
import type { ArtifactRef, DatabaseSecret, LogLine, LogOptions, Provider, WorkContext } from '../core/provider';
import { formatBytes, keepCount, type GarbageReport } from '../core/retention';
import { readStageState, stageStateFile, writeStageState } from '../core/stageState';
import { stateDir } from '../core/workspace';
import * as path from 'node:path';
import { artifactsOfStage, removeArtifactsOnlyUsedBy } from './artifactUse';
import { loadArtifact } from './artifact';
import { destroyStageDatabase, ensureStageDatabase, readStageDatabaseSecret, rotateStageDatabasePassword, stageDatabaseStatus } from './database';
import { connectStageRuntime, readStageRuntimeStatus } from './runtime/client';
import { readHealth, recoveredText } from './runtime/health';
import { runtimePaths } from './runtime/paths';
import { LocalStepExecutor } from './executor';
import { LOCAL_PROVIDER } from './name';
import { collectLocalGarbage } from './gc';
import { tailLocalLog } from './logs/tail';
import { localRunningDrift } from './runningConfig';
import { deployArtifact } from './stageDeployer';
import { deleteStageSecret, deleteStageSecrets, storeStageSecret } from './stageSecrets';

/**
 * The embedded default: every stage runs on this machine as a detached runtime (its proxy and
 * app processes), with a PostgreSQL of its own when it asks for one. Works with no cloud account.
 */
export class LocalProvider implements Provider {
  readonly name = LOCAL_PROVIDER;

  /** What runs on this machine; a run waiting for approval is core's to show (describeStack). */
  async status(stack: Stack, stage: Stage): Promise<StageStatus> {
    const [recorded, runtime, health, db] = await Promise.all([
      readStageState(stack.root, stage.name),
      readStageRuntimeStatus(stack.root, stage.name),
      readHealth(runtimePaths(stack.root, stage.name).dir),
      stage.database === 'postgres' ? stageDatabaseStatus(stack.root, stage.name).catch(() => undefined) : undefined,
    ]);
    const commit = runtime.active?.commit ?? recorded.commit;
    const base: StageStatus = { ...recorded, commit, artifact: runtime.active?.artifactId ?? recorded.artifact, url: runtime.url ?? recorded.url };
    if (runtime.candidate) return { ...base, kind: 'deploying', detail: `candidate ${runtime.candidate.commit.slice(0, 8)} starting` };
    // Self-healing (watchdog.ts, supervisor restarts): a stage that recovered is healthy and says so;
    // "failed" is kept for what was given up on, with the reason.
    if (health.failed && !(runtime.running && runtime.active)) return { ...base, kind: 'failed', url: undefined, detail: health.failed.reason };
    if (runtime.running && runtime.active) {
      if (runtime.failed) return { ...base, kind: 'failed', detail: runtime.failed.reason };
      if (db?.exists && !db.running) return { ...base, kind: 'failed', detail: health.failed?.reason ?? 'its PostgreSQL is not running; the watchdog is starting it again' };
      const appRecovered = runtime.restarts > 0 && runtime.lastExit ? { at: runtime.lastExit.at, reason: `app crashed, restarted ${runtime.restarts} time(s)` } : undefined;
      const latest = [health.recovered, appRecovered].filter(r => r !== undefined).sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
      return { ...base, kind: 'healthy', detail: latest ? recoveredText(latest) : recorded.detail };
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
    const artifacts = await artifactsOfStage(stack.root, stage.name);
    const runtime = await connectStageRuntime(stack.root, stage.name, { origins: stage.origins, hosts: stage.hosts, signal: ctx.signal, start: false });
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
    // The artifacts only this stage used go now (the last stage using an artifact frees it); then the usual sweep.
    const removed = await removeArtifactsOnlyUsedBy(stack.root, stage.name, artifacts);
    if (removed.length) ctx.log?.(`removed ${removed.length} artifact(s) only ${stage.name} used`);
    const swept = await collectLocalGarbage(stack.root, keepCount());
    if (swept.artifactsRemoved.length) ctx.log?.(`removed ${swept.artifactsRemoved.length} artifact(s) no stage uses any more (${formatBytes(swept.bytesFreed)})`);
  }

  collectGarbage(stack: Stack, keep: number, ctx: WorkContext & { dryRun?: boolean } = {}): Promise<GarbageReport> {
    return collectLocalGarbage(stack.root, keep, { dryRun: ctx.dryRun });
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
    const runtime = await connectStageRuntime(stack.root, stage.name, { origins: updated.origins, hosts: updated.hosts, signal: ctx.signal, start: false });
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

  async deleteSecret(stack: Stack, stage: Stage, name: string): Promise<void> {
    await deleteStageSecret(stack.root, stage.name, name);
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
    // Deployment markers are core's (stageLogs), for every provider.
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
