import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { StateMoveHandle } from '../core/providerModule';
import { secretStore, type SecretStore } from './secretStore';

/**
 * The local provider's secrets sit in the OS credential store under the path of their fallback file
 * in the state folder (secrets/<stage>.env.json, secrets/<stage>.json and its .pending). When the
 * folder moves, those entries are copied to the new paths first, and the old ones forgotten once
 * the folder has moved, so no secret is lost whichever step fails.
 */
export async function prepareLocalStateMove(from: string, to: string, stages: readonly string[], store: SecretStore = secretStore): Promise<StateMoveHandle> {
  const names = new Set(stages);
  for (const found of await stagesIn(from)) names.add(found);
  const files = [...names].flatMap(stage => [`${stage}.env.json`, `${stage}.json`, `${stage}.json.pending`]);
  const pairs = files.map(f => [path.join(from, 'secrets', f), path.join(to, 'secrets', f)] as const);
  const written = await store.copyEntries(pairs);
  const copiedFrom = pairs.filter(([, t]) => written.includes(t)).map(([f]) => f);
  return {
    done: () => store.forgetEntries(copiedFrom),
    undo: () => store.forgetEntries(written),
  };
}

/** Stage names the folder knows of: runtimes, databases, recorded stage states, secret files. */
async function stagesIn(dir: string): Promise<string[]> {
  const list = (sub: string) => fs.readdir(path.join(dir, sub)).catch(() => [] as string[]);
  const [local, db, stages, secrets] = await Promise.all([list('local'), list('db'), list('stages'), list('secrets')]);
  return [...local, ...db, ...stages.map(f => f.replace(/\.json$/, '')), ...secrets.map(f => f.replace(/(\.env)?\.json(\.pending)?$/, ''))];
}
