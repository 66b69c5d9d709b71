import { createHash } from 'node:crypto';
import { z } from 'zod';
import { StagecraftError } from '../../../../src/core/errors';
import type { ArtifactRef, EnvValue, Stack, Stage, StageStatus } from '../../../../src/core/model';
import type { RollbackContext, Step, StepContext, StepExecutor, StepOutcome } from '../../../../src/core/pipeline';
import type { DatabaseSecret, LogLine, Provider, WorkContext } from '../../../../src/core/provider';
import type { CliCommand, ProviderModule } from '../../../../src/core/providerModule';

/**
 * A third provider written only here, to prove the boundary: stages live in a Map of the
 * process, and nothing outside this folder names it. It has one stage key of its own (`shelf`),
 * a name rule, and a CLI verb.
 */
declare module '../../../../src/core/model' {
  interface StageOptions {
    /** Where the memory provider keeps the stage: any label. */
    shelf?: string;
  }
}

interface MemoryStage {
  commit: string;
  artifact: string;
  candidate?: { commit: string; artifact: string };
  env: Record<string, EnvValue>;
  secrets: Map<string, string>;
}

export class MemoryProvider implements Provider {
  readonly name = 'memory';
  /** `<stack root>|<stage>` → what is deployed there. */
  readonly stages = new Map<string, MemoryStage>();
  readonly artifacts = new Set<string>();

  private key(stack: Stack, stage: Stage): string {
    return `${stack.root}|${stage.name}`;
  }

  async status(stack: Stack, stage: Stage): Promise<StageStatus> {
    const s = this.stages.get(this.key(stack, stage));
    if (!s) return { kind: 'not-deployed' };
    return { kind: 'healthy', commit: s.commit, artifact: s.artifact, url: `memory://${stage.shelf ?? 'default'}/${stage.name}` };
  }

  async deploy(stack: Stack, stage: Stage, artifact: ArtifactRef): Promise<StageStatus> {
    this.stages.set(this.key(stack, stage), { commit: artifact.commit, artifact: artifact.id, env: { ...stage.env }, secrets: new Map() });
    return this.status(stack, stage);
  }

  async destroy(stack: Stack, stage: Stage, ctx: WorkContext & { force?: boolean } = {}): Promise<void> {
    if (stage.protected && !ctx.force) throw new StagecraftError(`Stage "${stage.name}" is protected.`, { kind: 'input', hint: 'Confirm with --force.' });
    this.stages.delete(this.key(stack, stage));
  }

  async applyConfiguration(stack: Stack, stage: Stage, change: { env?: Record<string, EnvValue> }): Promise<void> {
    const s = this.stages.get(this.key(stack, stage));
    if (s && change.env) s.env = { ...change.env };
  }

  async storeSecret(stack: Stack, stage: Stage, name: string, value: string): Promise<void> {
    this.stages.get(this.key(stack, stage))?.secrets.set(name, value);
  }

  async ensureDatabase(): Promise<DatabaseSecret> {
    throw new StagecraftError('The memory provider has no databases.', { kind: 'unavailable' });
  }

  async databaseSecret(): Promise<DatabaseSecret | undefined> {
    return undefined;
  }

  async rotateDatabasePassword(): Promise<void> {
    throw new StagecraftError('The memory provider has no databases.', { kind: 'unavailable' });
  }

  async *logs(): AsyncIterable<LogLine> {
    // Nothing runs, so nothing logs.
  }

  pipelineExecutor(stack: Stack): StepExecutor {
    return new MemoryExecutor(this, stack);
  }
}

/** Only the steps a provider does: the source checks and approvals are core's. */
class MemoryExecutor implements StepExecutor {
  readonly seen: string[] = [];

  constructor(
    private readonly provider: MemoryProvider,
    private readonly stack: Stack,
  ) {}

  async execute(step: Step, ctx: StepContext): Promise<StepOutcome> {
    const key = `${this.stack.root}|${step.stage}`;
    switch (step.kind) {
      case 'artifact': {
        const id = createHash('sha256').update(ctx.run.commit).digest('hex');
        this.provider.artifacts.add(id);
        return { status: 'succeeded', summary: `memory artifact ${id.slice(0, 12)}`, outputs: { artifact: id } };
      }
      case 'migrate':
        return { status: 'skipped', summary: 'nothing to migrate in memory' };
      case 'deploy': {
        const current = this.provider.stages.get(key);
        const candidate = { commit: ctx.run.commit, artifact: ctx.artifact!.id };
        if (current) current.candidate = candidate;
        else this.provider.stages.set(key, { commit: '', artifact: '', candidate, env: {}, secrets: new Map() });
        return { status: 'succeeded', summary: `candidate ${ctx.run.commit.slice(0, 8)} on shelf`, outputs: { url: `memory://${step.stage}` } };
      }
      case 'health':
      case 'synthetic':
        return { status: 'succeeded', summary: `${step.kind} checked in memory` };
      case 'promote': {
        const s = this.provider.stages.get(key)!;
        Object.assign(s, s.candidate, { candidate: undefined });
        return { status: 'succeeded', summary: `${step.stage} serves ${ctx.run.commit.slice(0, 8)}` };
      }
      default:
        throw new StagecraftError(`${step.kind} is not the memory provider's step`);
    }
  }

  async rollback(stage: Stage, ctx: RollbackContext): Promise<void> {
    const s = this.provider.stages.get(`${this.stack.root}|${stage.name}`);
    if (s) s.candidate = undefined;
    ctx.log(`dropped the candidate of ${stage.name}`);
  }

  async artifactExists(artifact: ArtifactRef): Promise<boolean> {
    return this.provider.artifacts.has(artifact.id);
  }
}

/** `stagecraft memory count`: a verb only this provider has. */
const countCommand: CliCommand = {
  path: ['memory', 'count'],
  usage: 'stagecraft memory count',
  summary: 'How many stages the memory provider holds',
  async run(ctx) {
    const provider = (await ctx.providers.get('memory', 'stagecraft memory count')) as MemoryProvider;
    ctx.out(`${provider.stages.size} stage(s) in memory`);
    return 0;
  },
};

/** A fresh module (and so a fresh provider) for each test. */
export function memoryModule(): ProviderModule<MemoryProvider> {
  return {
    name: 'memory',
    description: 'stages in the memory of this process (tests)',
    stageOptions: { shelf: z.string().min(1).optional() },
    stageNameProblem: (stack, stage) => (stage.length > 20 ? `"${stage}" is longer than the 20 characters memory shelves allow` : undefined),
    describeStage: stage => stage.shelf,
    async create() {
      return new MemoryProvider();
    },
    async cliCommands() {
      return [countCommand];
    },
  };
}
