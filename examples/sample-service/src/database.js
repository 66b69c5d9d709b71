'use strict';
// The items table in PostgreSQL. `pg` is required on first use only, so /health and /info work
// from a copy of the service that has no node_modules.

// One number for the advisory lock that serialises CREATE TABLE between processes
// (blue and green versions, or the migrate script, may start at the same moment).
const SCHEMA_LOCK = 727_001;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS items (
    id         SERIAL PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`;

/** A failure the HTTP layer answers with 503: the database is not there or not usable. */
class DatabaseUnavailable extends Error {}

function loadPg() {
  try {
    return require('pg');
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND') {
      throw new DatabaseUnavailable('the "pg" package is not installed: run `npm ci` in the service folder');
    }
    throw err;
  }
}

/**
 * @param settings {host, port, database, user, password} from config.readDatabaseConfig
 * @param log a logger from log.js (it masks the password)
 */
function createDatabase(settings, log) {
  let pool;
  let schemaReady;

  function getPool() {
    if (!pool) {
      const { Pool } = loadPg();
      pool = new Pool({ ...settings, max: 5, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 10_000 });
      // An idle client losing its connection must not crash the service.
      pool.on('error', err => log.error(`database connection lost: ${err.message}`));
    }
    return pool;
  }

  async function run(fn) {
    try {
      return await fn(getPool());
    } catch (err) {
      if (err instanceof DatabaseUnavailable) throw err;
      // Connection refused, authentication, unknown database: the caller cannot fix these by retrying the request.
      if (!err.code || /^(08|28|3D|57P)/.test(err.code) || ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET'].includes(err.code)) {
        throw new DatabaseUnavailable(`database ${settings.host}:${settings.port}/${settings.database} unavailable: ${err.message}`);
      }
      throw err;
    }
  }

  /** Creates the table when missing; safe to call from several processes at once. */
  function ensureSchema() {
    schemaReady ??= run(async p => {
      const client = await p.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
        await client.query(SCHEMA);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    }).catch(err => {
      schemaReady = undefined; // try again on the next request
      throw err;
    });
    return schemaReady;
  }

  return {
    describe: () => `postgres ${settings.user}@${settings.host}:${settings.port}/${settings.database}`,
    ensureSchema,
    async insertItem(name) {
      await ensureSchema();
      const { rows } = await run(p => p.query('INSERT INTO items (name) VALUES ($1) RETURNING id, name, created_at AS "createdAt"', [name]));
      return rows[0];
    },
    async listItems(limit = 100) {
      await ensureSchema();
      const { rows } = await run(p => p.query('SELECT id, name, created_at AS "createdAt" FROM items ORDER BY id LIMIT $1', [limit]));
      return rows;
    },
    async close() {
      if (pool) await pool.end();
    },
  };
}

module.exports = { createDatabase, DatabaseUnavailable };
