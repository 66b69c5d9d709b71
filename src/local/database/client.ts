import pg from 'pg';
import { StagecraftError } from '../../core/errors';
import type { DatabaseSecret } from '../../core/provider';

/** Runs `fn` on a short-lived connection made with the stage's secret. */
export async function withClient<T>(stage: string, secret: DatabaseSecret, database: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: secret.host, port: secret.port, user: secret.username, password: secret.password, database, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw connectError(stage, secret, err);
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function connectError(stage: string, secret: DatabaseSecret, err: unknown): StagecraftError {
  const code = (err as { code?: string }).code;
  if (code === '28P01') {
    return new StagecraftError(`PostgreSQL for stage "${stage}" rejected the saved password.`, {
      cause: err,
      hint: `If the password was changed outside Stagecraft, change it back to the one \`stagecraft db secret ${stage} --reveal\` shows; otherwise destroy the stage database and create it again (its data is lost).`,
    });
  }
  return new StagecraftError(`Cannot connect to PostgreSQL for stage "${stage}" at ${secret.host}:${secret.port}: ${(err as Error).message}`, {
    cause: err,
    kind: 'unavailable',
    hint: `See db/${stage}/postgres.log in Stagecraft's state folder (\`stagecraft status\` names it), then retry.`,
  });
}

/** Creates the stage's database unless it exists (also completes an init cut short before this step). */
export async function ensureDatabaseExists(stage: string, secret: DatabaseSecret): Promise<boolean> {
  return withClient(stage, secret, 'postgres', async client => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [secret.database]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(secret.database)}`);
    return true;
  });
}
