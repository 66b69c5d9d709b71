import type { ProviderModule } from '../core/providerModule';
import { LOCAL_PROVIDER } from './name';

/** The embedded default: stages as processes on this machine, behind a proxy, with an embedded PostgreSQL. */
export const localModule: ProviderModule<import('./provider').LocalProvider> = {
  name: LOCAL_PROVIDER,
  description: 'runs on this machine: processes, embedded PostgreSQL, a proxy',
  stageOptions: {},
  // The runtime of each stage (its daemon) records what it serves here.
  statusFiles: ['local/*/state.json'],
  async stateInUse(dir) {
    return (require('./stateInUse') as typeof import('./stateInUse')).localStateInUse(dir);
  },
  async validateStack(stack) {
    return (require('./preflight') as typeof import('./preflight')).processModeValidation(stack);
  },
  async checkRun(stack, commit) {
    await (require('./preflight') as typeof import('./preflight')).refuseUnrunnableDockerfile(stack, commit);
  },
  async create() {
    // Required on first use: its runtime, database and proxy modules stay unloaded until a local stage is used.
    return new (require('./provider') as typeof import('./provider')).LocalProvider();
  },
};
