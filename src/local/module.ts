import { z } from 'zod';
import type { ProviderModule } from '../core/providerModule';
import { hostNameProblem } from './hostNames';
import { LOCAL_PROVIDER } from './name';

/** The keys only local stages read; validated by `stageOptions` below. */
declare module '../core/model' {
  interface StageOptions {
    /** Host names the stage's proxy answers to besides localhost, 127.0.0.1 and [::1] (`shop.localhost`). */
    hosts?: string[];
  }
}

/** One entry of `hosts:`; the message is what the file:line error says. */
const hostName = z.string().superRefine((value, ctx) => {
  const problem = hostNameProblem(value);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

/** The embedded default: stages as processes on this machine, behind a proxy, with an embedded PostgreSQL. */
export const localModule: ProviderModule<import('./provider').LocalProvider> = {
  name: LOCAL_PROVIDER,
  description: 'runs on this machine: processes, embedded PostgreSQL, a proxy',
  stageOptions: {
    hosts: z.array(hostName).optional(),
  },
  stageTraits: stage => (stage.hosts?.length ? [`hosts: ${stage.hosts.join(', ')}`] : []),
  // The runtime of each stage (its daemon) records what it serves here.
  statusFiles: ['local/*/state.json'],
  async stateInUse(dir) {
    return (require('./stateInUse') as typeof import('./stateInUse')).localStateInUse(dir);
  },
  async prepareStateMove(from, to, stages) {
    return (require('./stateMove') as typeof import('./stateMove')).prepareLocalStateMove(from, to, stages);
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
