import type { ProviderModule } from '../core/providerModule';

export const LOCAL_PROVIDER = 'local';

/** The embedded default: stages as processes on this machine, behind a proxy, with an embedded PostgreSQL. */
export const localModule: ProviderModule<import('./provider').LocalProvider> = {
  name: LOCAL_PROVIDER,
  description: 'runs on this machine: processes, embedded PostgreSQL, a proxy',
  stageOptions: {},
  async create() {
    // Required on first use: its runtime, database and proxy modules stay unloaded until a local stage is used.
    return new (require('./provider') as typeof import('./provider')).LocalProvider();
  },
};
