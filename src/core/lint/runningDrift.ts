import type { Stage } from '../model';

/** What a stage runs with now, as its provider can tell (names and values never leave the machine's memory). */
export interface RunningConfiguration {
  /** The running version's environment; undefined when the provider cannot read it. */
  env?: Record<string, string>;
  /** Origins its proxy or load balancer allows now. */
  origins?: string[];
  /** Whether it runs with a database connection. */
  database?: boolean;
  /** The commit running, for the report. */
  commit?: string;
}

export interface RunningDifference {
  what: 'env' | 'origin' | 'database' | 'resource';
  key: string;
  /** One line for a person; a secret's value is never in it. */
  detail: string;
}

/**
 * How a running stage differs from stagecraft.yaml: a variable in the file that the running
 * version lacks or has with another value (secrets: only whether it is set), origins allowed in
 * one and not the other, a database declared but not connected. `resolveSecret` gives a secret
 * reference's stored value for comparison; its result is never reported.
 */
export function runningDrift(stage: Stage, running: RunningConfiguration, resolveSecret: (name: string) => string | undefined = () => undefined): RunningDifference[] {
  const out: RunningDifference[] = [];
  if (running.env) {
    for (const [name, declared] of Object.entries(stage.env)) {
      const now = running.env[name];
      if (now === undefined) {
        out.push({ what: 'env', key: name, detail: `${name} is in the file but not in the running version (deploy the stage to apply it)` });
        continue;
      }
      const expected = typeof declared === 'string' ? declared : resolveSecret(declared.secret);
      if (expected !== undefined && expected !== now) {
        out.push({ what: 'env', key: name, detail: typeof declared === 'string' ? `${name} runs with another value than the file's (values are not shown: the running one may have been a secret)` : `${name} (secret ${declared.secret}) runs with another value than the one stored` });
      }
    }
  }
  if (running.origins) {
    for (const o of stage.origins) if (!running.origins.includes(o)) out.push({ what: 'origin', key: o, detail: `origin ${o} is in the file but not allowed by the running stage` });
    for (const o of running.origins) if (!stage.origins.includes(o)) out.push({ what: 'origin', key: o, detail: `origin ${o} is allowed by the running stage but not in the file` });
  }
  if (running.database !== undefined) {
    if (stage.database !== 'none' && !running.database) out.push({ what: 'database', key: 'database', detail: `the file gives ${stage.name} a ${stage.database} database, but the running version has no database connection` });
    if (stage.database === 'none' && running.database) out.push({ what: 'database', key: 'database', detail: `the running version has a database connection the file no longer declares` });
  }
  return out;
}
