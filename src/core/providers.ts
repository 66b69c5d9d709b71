import { stackSchemaFor, type StackSchema } from './config/schema';
import { StagecraftError } from './errors';
import type { Provider } from './provider';
import type { CliCommand, ProviderContext, ProviderLookup, ProviderModule } from './providerModule';

/**
 * The providers one composition root (the extension's activate, the CLI's main, a test) works
 * with. Built there and passed down: there is no registry of the process, so two of them (two
 * tests) never see each other's modules.
 */
export class Providers implements ProviderLookup {
  private readonly modules = new Map<string, ProviderModule>();
  /** One instance per module, so what a provider caches (clients, statuses) serves every caller. */
  private readonly instances = new Map<string, Promise<Provider>>();
  private schema: StackSchema | undefined;

  constructor(
    modules: readonly ProviderModule[] = [],
    private readonly context: ProviderContext = { setting: () => undefined },
  ) {
    for (const m of modules) this.register(m);
  }

  /** Adds a module; disposing the result removes it again. The first registered is the default `provider:`. */
  register(module: ProviderModule): { dispose(): void } {
    if (this.modules.has(module.name)) throw new StagecraftError(`A provider named "${module.name}" is already registered.`);
    this.modules.set(module.name, module);
    this.schema = undefined;
    return {
      dispose: () => {
        if (this.modules.get(module.name) !== module) return;
        this.modules.delete(module.name);
        this.instances.delete(module.name);
        this.schema = undefined;
      },
    };
  }

  names(): string[] {
    return [...this.modules.keys()];
  }

  has(name: string): boolean {
    return this.modules.has(name);
  }

  module(name: string): ProviderModule | undefined {
    return this.modules.get(name);
  }

  /** The schema of stagecraft.yaml for these providers: `provider:` and each one's stage keys. */
  stackSchema(): StackSchema {
    this.schema ??= stackSchemaFor([...this.modules.values()]);
    return this.schema;
  }

  /** The provider for `name`, created on first use; a plain "not available" error naming what the user tried. */
  async get(name: string, action: string): Promise<Provider> {
    const module = this.modules.get(name);
    if (!module) {
      const known = this.names();
      throw new StagecraftError(`${action}: this Stagecraft has no "${name}" provider.`, {
        kind: 'unavailable',
        hint: known.length > 0 ? `It has: ${known.join(', ')}.` : 'No provider is registered.',
      });
    }
    let provider = this.instances.get(name);
    if (!provider) {
      provider = module.create(this.context);
      this.instances.set(name, provider);
      // A create that failed (a missing module) is tried again next time.
      provider.catch(() => this.instances.delete(name));
    }
    return provider;
  }

  /** The provider instance of `name` as its own class, for code of that provider's folder. */
  async instance<P extends Provider>(name: string, action: string): Promise<P> {
    return (await this.get(name, action)) as P;
  }

  /** The CLI verbs the providers add. */
  async cliCommands(): Promise<CliCommand[]> {
    const lists = await Promise.all([...this.modules.values()].map(m => m.cliCommands?.() ?? Promise.resolve([])));
    return lists.flat();
  }

  /** A few words for a stage in the tree and `status`: "aws eu-west-1". */
  describeStage(stage: Parameters<NonNullable<ProviderModule['describeStage']>>[0]): string {
    const extra = this.modules.get(stage.provider)?.describeStage?.(stage);
    return extra ? `${stage.provider} ${extra}` : stage.provider;
  }
}
