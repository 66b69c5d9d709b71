/**
 * Each local stage with `database: postgres` gets a PostgreSQL server of its own, under
 * `<state folder>/db/<stage>/` (data folder, log, state with the port). The server is
 * detached from the process that starts it, so it survives the CLI exiting or being killed and
 * VS Code reloading; the next caller finds it by its pid file and reattaches. A lock file per
 * stage keeps concurrent callers from initialising or starting it twice.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError, throwIfAborted } from '../../core/errors';
import type { DatabaseSecret } from '../../core/provider';
import { redactor } from '../../core/redact';
import { prepareStateDir, STATE_HOME_SETTING, STATE_HOME_VARIABLE, stateDir } from '../../core/workspace';
import { ensureDatabaseExists, withClient } from './client';
import { withFileLock } from './lock';
import { databasesDir, stageDatabasePaths, type StageDatabasePaths } from './paths';
import { DB_HOST, isPortFree, pickFreePort } from './ports';
import { blockingAncestor, canWrite, postgresRunAs, type RunAs } from './postgresUser';
import { deleteSecretFile, generatePassword, hasSecretFile, readSecretFile, scramVerifier, writeSecretFile } from './secret';
import { initCluster, isInitialized, logTail, runningServer, settle, startServer, stopServer, type PostmasterInfo } from './server';
import { readDatabaseState, writeDatabaseState, type DatabaseState } from './state';

export type { DatabaseSecret } from '../../core/provider';
export { stageDatabasePaths, type StageDatabasePaths } from './paths';

export interface DatabaseWorkOptions {
  signal?: AbortSignal;
  /** Progress lines, already redacted. */
  log?: (line: string) => void;
}

export interface StageDatabaseStatus {
  /** The stage has a database (data folder or saved secret). */
  exists: boolean;
  running: boolean;
  pid?: number;
  port?: number;
}

const USER = 'postgres';

/** Creates the stage's database on first use, starts it when stopped, reattaches when running. Idempotent. */
export async function ensureStageDatabase(root: string, stage: string, opts: DatabaseWorkOptions = {}): Promise<DatabaseSecret> {
  const paths = stageDatabasePaths(root, stage);
  throwIfAborted(opts.signal, `Starting the database of stage "${stage}"`);
  const runAs = await postgresRunAs();
  await prepareStageDir(root, paths, runAs);
  return withFileLock(paths.lockFile, `the database lock of stage "${stage}"`, () => ensureLocked(root, paths, runAs, opts), { signal: opts.signal });
}

/** The saved connection secret (its password registered with the redactor), or undefined when the stage has no database yet. */
export async function readStageDatabaseSecret(root: string, stage: string): Promise<DatabaseSecret | undefined> {
  return readSecretFile(stageDatabasePaths(root, stage).secretFile);
}

/** Sets a new generated password (the old one stops working for new connections) and saves it. */
export async function rotateStageDatabasePassword(root: string, stage: string, opts: DatabaseWorkOptions = {}): Promise<DatabaseSecret> {
  const paths = stageDatabasePaths(root, stage);
  const runAs = await postgresRunAs();
  await prepareStageDir(root, paths, runAs);
  return withFileLock(
    paths.lockFile,
    `the database lock of stage "${stage}"`,
    async () => {
      const current = await ensureLocked(root, paths, runAs, opts);
      throwIfAborted(opts.signal, `Rotating the database password of stage "${stage}"`);
      const next: DatabaseSecret = { ...current, password: generatePassword() };
      // Saved aside first: if we die right after ALTER USER, the next ensure adopts it.
      await writeSecretFile(paths.pendingSecretFile, next);
      await withClient(stage, current, 'postgres', client =>
        // The verifier, not the password, goes to the server: nothing there can log the password.
        client.query(`ALTER USER ${client.escapeIdentifier(USER)} WITH PASSWORD ${client.escapeLiteral(scramVerifier(next.password))}`),
      );
      await writeSecretFile(paths.secretFile, next);
      await deleteSecretFile(paths.pendingSecretFile);
      say(opts, `Rotated the PostgreSQL password of stage "${stage}".`);
      return next;
    },
    { signal: opts.signal },
  );
}

/** Stops the stage's server; its data is kept. Does nothing when it is not running. */
export async function stopStageDatabase(root: string, stage: string): Promise<void> {
  const paths = stageDatabasePaths(root, stage);
  if (!(await exists(paths.dir))) return;
  const runAs = await postgresRunAs();
  await withFileLock(paths.lockFile, `the database lock of stage "${stage}"`, () => stopServer(paths, runAs));
}

/** Stops the stage's server and deletes its data, log, state and secret. */
export async function destroyStageDatabase(root: string, stage: string): Promise<void> {
  const paths = stageDatabasePaths(root, stage);
  if (await exists(paths.dir)) {
    const runAs = await postgresRunAs();
    await withFileLock(paths.lockFile, `the database lock of stage "${stage}"`, async () => {
      await stopServer(paths, runAs);
      await removeSecrets(paths);
      const lockName = path.basename(paths.lockFile);
      for (const name of await fs.readdir(paths.dir)) {
        if (name !== lockName) await fs.rm(path.join(paths.dir, name), { recursive: true, force: true });
      }
    });
    // Fails (harmlessly) when another caller already took the lock to create it anew.
    await fs.rmdir(paths.dir).catch(() => undefined);
  } else {
    await removeSecrets(paths);
  }
}

/** Whether the stage has a database and whether its server runs (pid and port when it does). */
export async function stageDatabaseStatus(root: string, stage: string): Promise<StageDatabaseStatus> {
  const paths = stageDatabasePaths(root, stage);
  const [secret, data, info] = await Promise.all([hasSecretFile(paths.secretFile), isInitialized(paths.dataDir), runningServer(paths.dataDir)]);
  return info ? { exists: true, running: true, pid: info.pid, port: info.port } : { exists: secret || data, running: false };
}

/**
 * The variables a stage's app gets; PG_CREDENTIALS_SECRET has the shape of a Secrets Manager database
 * secret. PG_USERNAME and DATABASE_URL are the names many templates and frameworks read.
 */
export function databaseEnv(secret: DatabaseSecret): Record<string, string> {
  const url = `postgres://${encodeURIComponent(secret.username)}:${encodeURIComponent(secret.password)}@${secret.host}:${secret.port}/${encodeURIComponent(secret.database)}`;
  return {
    PG_HOST: secret.host,
    PG_PORT: String(secret.port),
    PG_DATABASE: secret.database,
    PG_USER: secret.username,
    PG_USERNAME: secret.username,
    PG_PASSWORD: secret.password,
    DATABASE_URL: url,
    PG_CREDENTIALS_SECRET: JSON.stringify({ username: secret.username, password: secret.password, host: secret.host, port: secret.port, dbname: secret.database }),
  };
}

async function ensureLocked(root: string, paths: StageDatabasePaths, runAs: RunAs | undefined, opts: DatabaseWorkOptions): Promise<DatabaseSecret> {
  const { stage } = paths;
  let secret = await readSecretFile(paths.secretFile);
  let state = await readDatabaseState(paths.stateFile);
  const hasData = await isInitialized(paths.dataDir);

  if (!secret && hasData && (state.initializedAt || (await hasStageDatabase(paths.dataDir)))) {
    throw new StagecraftError(`The database of stage "${stage}" exists but its password is missing (neither in the OS credential store nor in ${paths.secretFile}).`, {
      kind: 'input',
      hint: `Restore it, or destroy the stage database to start over (its data is lost).`,
    });
  }
  if (!secret || !hasData) {
    secret = await createCluster(root, paths, state, runAs, opts);
    state = await readDatabaseState(paths.stateFile);
  }

  let info = await settle(paths.dataDir);
  if (info && info.status !== 'ready') {
    throw new StagecraftError(`PostgreSQL for stage "${stage}" (pid ${info.pid}) is stuck "${info.status}".\n${await logTail(paths.logFile)}`, {
      hint: `Stop the stage database and ensure it again; see ${paths.logFile}.`,
    });
  }
  if (info) {
    say(opts, `PostgreSQL for stage "${stage}" is running on ${DB_HOST}:${info.port} (pid ${info.pid}).`);
  } else {
    info = await start(root, paths, state, runAs, opts);
  }
  if (info.port !== secret.port || state.port !== info.port) {
    secret = { ...secret, port: info.port };
    await writeSecretFile(paths.secretFile, secret);
    await writeDatabaseState(paths.stateFile, { ...state, port: info.port });
  }
  secret = await finishInterruptedRotation(paths, secret, opts);
  if (await ensureDatabaseExists(stage, secret)) say(opts, `Created database "${secret.database}" for stage "${stage}".`);
  return secret;
}

async function createCluster(root: string, paths: StageDatabasePaths, state: DatabaseState, runAs: RunAs | undefined, opts: DatabaseWorkOptions): Promise<DatabaseSecret> {
  const started = Date.now();
  say(opts, `Creating PostgreSQL for stage "${paths.stage}"…`);
  // A half-made folder may still have a server running from it.
  await stopServer(paths, runAs);
  // No secret may outlive the cluster it opens: a saved secret means initdb completed.
  await removeSecrets(paths);
  const password = generatePassword();
  redactor.add(password);
  await initCluster(paths, password, runAs, opts.signal);
  const port = await choosePort(root, paths, state.port, [], opts);
  const secret: DatabaseSecret = { host: DB_HOST, port, database: paths.stage, username: USER, password };
  await writeSecretFile(paths.secretFile, secret);
  await writeDatabaseState(paths.stateFile, { port, initializedAt: new Date().toISOString() });
  say(opts, `Created the PostgreSQL data folder of stage "${paths.stage}" in ${Date.now() - started} ms.`);
  return secret;
}

async function start(root: string, paths: StageDatabasePaths, state: DatabaseState, runAs: RunAs | undefined, opts: DatabaseWorkOptions): Promise<PostmasterInfo> {
  const tried: number[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    throwIfAborted(opts.signal, `Starting the database of stage "${paths.stage}"`);
    const port = await choosePort(root, paths, state.port, tried, opts);
    const started = Date.now();
    const outcome = await startServer(paths, port, runAs, opts.signal);
    if (outcome.ok) {
      say(opts, `Started PostgreSQL for stage "${paths.stage}" on ${DB_HOST}:${port} (pid ${outcome.info.pid}) in ${Date.now() - started} ms.`);
      return outcome.info;
    }
    if (!outcome.portInUse) {
      throw new StagecraftError(`PostgreSQL for stage "${paths.stage}" failed to start. Last lines of its log:\n${outcome.logTail}`, {
        hint: `Fix the cause shown above (full log: ${paths.logFile}), then deploy or ensure the database again.`,
      });
    }
    // Taken between our check and the server's bind: try another port.
    tried.push(port);
  }
  throw new StagecraftError(`PostgreSQL for stage "${paths.stage}" could not bind a port on ${DB_HOST} (tried ${tried.join(', ')}).`, {
    kind: 'unavailable',
    hint: `Another program is taking these ports; stop it or retry. See ${paths.logFile}.`,
  });
}

/** The stage's previous port while it is free, so PG_PORT stays the same across restarts. */
async function choosePort(root: string, paths: StageDatabasePaths, preferred: number | undefined, except: number[], opts: DatabaseWorkOptions): Promise<number> {
  if (preferred && !except.includes(preferred) && (await isPortFree(preferred))) return preferred;
  const port = await pickFreePort(databasesDir(root), [...except, ...(preferred ? [preferred] : [])]);
  if (preferred) say(opts, `Port ${preferred} of stage "${paths.stage}" is in use by another program; its PostgreSQL moves to port ${port}.`);
  return port;
}

/** Adopts the password of a rotation cut off after ALTER USER, or drops it if the server never took it. */
async function finishInterruptedRotation(paths: StageDatabasePaths, secret: DatabaseSecret, opts: DatabaseWorkOptions): Promise<DatabaseSecret> {
  const pending = await readSecretFile(paths.pendingSecretFile).catch(() => undefined);
  if (!pending) return secret;
  const candidate = { ...secret, password: pending.password };
  const accepted = await withClient(paths.stage, candidate, 'postgres', async () => true).catch(() => false);
  if (accepted) {
    await writeSecretFile(paths.secretFile, candidate);
    say(opts, `Completed an interrupted password rotation of stage "${paths.stage}".`);
  }
  await deleteSecretFile(paths.pendingSecretFile);
  return accepted ? candidate : secret;
}

/** Makes `<state folder>/db/<stage>` and checks the server's user can write it (root: the postgres user). */
async function prepareStageDir(root: string, paths: StageDatabasePaths, runAs: RunAs | undefined): Promise<void> {
  try {
    // The state folder lets other users pass (a secret folder beside it stays 0700).
    await prepareStateDir(root);
    await fs.mkdir(paths.dir, { recursive: true });
    if (runAs) {
      const st = await fs.stat(paths.dir);
      if (st.uid !== runAs.uid) await fs.chown(paths.dir, runAs.uid, runAs.gid);
    } else {
      await fs.access(paths.dir, fsConstants.W_OK | fsConstants.X_OK);
    }
  } catch (err) {
    throw new StagecraftError(`Cannot prepare the database folder of stage "${paths.stage}" at ${paths.dir}: ${(err as Error).message}`, {
      kind: 'input',
      cause: err,
      hint: `Make ${stateDir(root)} writable by the user running Stagecraft, or move Stagecraft's state with ${STATE_HOME_VARIABLE} or the "${STATE_HOME_SETTING}" setting.`,
    });
  }
  if (runAs && !(await canWrite(paths.dir, runAs))) {
    const blocker = await blockingAncestor(paths.dir, runAs);
    throw new StagecraftError(
      `PostgreSQL for stage "${paths.stage}" runs as the user postgres (Stagecraft runs as root) and cannot write ${paths.dir}${blocker ? `: it may not enter ${blocker}` : ''}.`,
      {
        kind: 'input',
        hint: blocker ? `Let other users enter that folder (chmod o+x ${blocker}), or run Stagecraft as a normal user.` : 'Make the folder writable by the postgres user, or run Stagecraft as a normal user.',
      },
    );
  }
}

/** A fresh cluster holds three databases (template0, template1, postgres); more means ours was created. */
async function hasStageDatabase(dataDir: string): Promise<boolean> {
  const entries = await fs.readdir(path.join(dataDir, 'base')).catch(() => [] as string[]);
  return entries.filter(e => /^\d+$/.test(e)).length > 3;
}

async function removeSecrets(paths: StageDatabasePaths): Promise<void> {
  await deleteSecretFile(paths.secretFile);
  await deleteSecretFile(paths.pendingSecretFile);
}

function say(opts: DatabaseWorkOptions, line: string): void {
  opts.log?.(redactor.redact(line));
}

function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}
