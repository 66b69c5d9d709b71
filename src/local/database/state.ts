import { promises as fs } from 'node:fs';
import { writeJsonAtomic } from '../../core/jsonFile';

/** `<state folder>/db/<stage>/state.json`: what is not secret about a stage's server. */
export interface DatabaseState {
  /** The port it last ran on; reused while free so the app's PG_PORT stays put. */
  port?: number;
  /** Set once initdb has completed and the secret is saved; a data folder without it is a half-made one. */
  initializedAt?: string;
}

export async function readDatabaseState(file: string): Promise<DatabaseState> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as DatabaseState;
    return typeof parsed === 'object' && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}

export async function writeDatabaseState(file: string, state: DatabaseState): Promise<void> {
  await writeJsonAtomic(file, state);
}
