import { StagecraftError } from './errors';
import type { ProviderName } from './model';
import type { Provider } from './provider';

/**
 * The providers this build of Stagecraft has. A provider registers itself here from its own
 * package (src/local, src/aws) so that core never imports them.
 */
const registry = new Map<ProviderName, () => Promise<Provider>>();
/** One instance per provider for the process, so what a provider caches serves every caller. */
const loaded = new Map<ProviderName, Promise<Provider>>();

export function registerProvider(name: ProviderName, load: () => Promise<Provider>): void {
  registry.set(name, load);
  loaded.delete(name);
}

export function hasProvider(name: ProviderName): boolean {
  return registry.has(name);
}

/** The provider for `name`, or a plain "not available yet" error naming what the user tried. */
export async function requireProvider(name: ProviderName, action: string): Promise<Provider> {
  const load = registry.get(name);
  if (!load) {
    throw new StagecraftError(`${action}: the ${name} provider is not available in this version of Stagecraft yet.`, {
      kind: 'unavailable',
      hint: name === 'local' ? 'The local provider (stages as processes on this machine) is being built; see the README for what works today.' : 'The AWS provider is being built; see the README for what works today.',
    });
  }
  let provider = loaded.get(name);
  if (!provider) {
    provider = load();
    loaded.set(name, provider);
    // A load that failed (a missing module) is tried again next time.
    provider.catch(() => loaded.delete(name));
  }
  return provider;
}
