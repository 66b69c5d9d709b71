import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import { nameProblem } from '../../core/naming';
import { stateDir } from '../../core/workspace';

/** Where one stage's PostgreSQL lives. Everything but the secret sits under `<state folder>/db/<stage>/` (see core/workspace.ts). */
export interface StageDatabasePaths {
  stage: string;
  /** `<state folder>/db/<stage>`: owned by the postgres user when Stagecraft runs as root. */
  dir: string;
  dataDir: string;
  logFile: string;
  /** Port and whether initdb completed. */
  stateFile: string;
  lockFile: string;
  /** `<state folder>/secrets/<stage>.json`: the fallback file (0600) and the OS credential store account name. */
  secretFile: string;
  /** The new password while a rotation is in flight, so a crash cannot lose it. */
  pendingSecretFile: string;
}

export function databasesDir(root: string): string {
  return path.join(stateDir(root), 'db');
}

export function stageDatabasePaths(root: string, stage: string): StageDatabasePaths {
  // The stage name becomes a folder and a database name: only valid names may pass.
  const problem = nameProblem(stage, 'stage');
  if (problem) throw new StagecraftError(`No database for stage "${stage}": ${problem}.`, { kind: 'input' });
  const dir = path.join(databasesDir(root), stage);
  const secretFile = path.join(stateDir(root), 'secrets', `${stage}.json`);
  return {
    stage,
    dir,
    dataDir: path.join(dir, 'data'),
    logFile: path.join(dir, 'postgres.log'),
    stateFile: path.join(dir, 'state.json'),
    lockFile: path.join(dir, 'lock'),
    secretFile,
    pendingSecretFile: `${secretFile}.pending`,
  };
}
