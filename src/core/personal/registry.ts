import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ProviderName } from '../model';
import { stateDir } from '../workspace';

/**
 * The developers' own stages, recorded in the state folder (`.stagecraft/personal/NAME.json`)
 * rather than in stagecraft.yaml: they come and go with feature branches, and a team does not
 * want them in the committed file. The model merges them in at load.
 */
export interface PersonalStageRecord {
  version: 1;
  name: string;
  owner: string;
  ownerId: string;
  branch: string;
  /** The provider it was created with: it is destroyed there even if `personal.provider` changes. */
  provider: ProviderName;
  createdAt: string;
  lastDeployAt?: string;
  lastCommit?: string;
  /**
   * Whether the last deployed commit was already on an integration branch (develop, main) when
   * deployed: only a commit that was not, and is now, says the branch was merged.
   */
  integratedAtDeploy?: boolean;
  /** Set by `stage extend`: it lives at least until then. */
  extendedUntil?: string;
}

export function personalDir(root: string): string {
  return path.join(stateDir(root), 'personal');
}

function recordFile(root: string, name: string): string {
  return path.join(personalDir(root), `${name}.json`);
}

export async function listPersonalRecords(root: string): Promise<PersonalStageRecord[]> {
  let names: string[];
  try {
    names = (await fs.readdir(personalDir(root))).filter(n => n.endsWith('.json'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const records = await Promise.all(names.sort().map(n => readPersonalRecord(root, n.slice(0, -'.json'.length))));
  return records.filter((r): r is PersonalStageRecord => r !== undefined);
}

export async function readPersonalRecord(root: string, name: string): Promise<PersonalStageRecord | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(recordFile(root, name), 'utf8')) as PersonalStageRecord;
    return parsed.version === 1 && parsed.name === name ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Atomic write (temp file + rename): a reader never sees half a record. */
export async function writePersonalRecord(root: string, record: PersonalStageRecord): Promise<void> {
  const file = recordFile(root, record.name);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(record, null, 2));
  await fs.rename(tmp, file);
}

export async function removePersonalRecord(root: string, name: string): Promise<void> {
  await fs.rm(recordFile(root, name), { force: true });
}
