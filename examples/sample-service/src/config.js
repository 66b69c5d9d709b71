'use strict';
// Everything the service reads from its environment, in one place, read once at start.
// Stagecraft's stages set PORT, COMMIT_HASH, STAGE_NAME, their own env vars (which win over the
// Dockerfile's ENV) and, for a stage with a database, PG_* and PG_CREDENTIALS_SECRET.

const { version } = require('../package.json');

const DEFAULT_PORT = 8080; // the same as the Dockerfile's ENV PORT and EXPOSE

/**
 * Database settings from PG_CREDENTIALS_SECRET (JSON in the shape AWS Secrets Manager uses:
 * username, password, host, port, dbname) with the single PG_* variables taking precedence,
 * so an operator can override one field without rewriting the secret.
 * Returns { settings } when complete, else { missing: [names] } or { error }.
 */
function readDatabaseConfig(env) {
  let fromSecret = {};
  if (env.PG_CREDENTIALS_SECRET) {
    try {
      const parsed = JSON.parse(env.PG_CREDENTIALS_SECRET);
      if (!parsed || typeof parsed !== 'object') throw new Error('not an object');
      fromSecret = parsed;
    } catch {
      // Never echo the variable: it holds the password.
      return { error: 'PG_CREDENTIALS_SECRET is not a JSON object with username, password, host, port and dbname' };
    }
  }
  const pick = (name, key) => (env[name] !== undefined && env[name] !== '' ? env[name] : fromSecret[key]);
  const raw = {
    host: pick('PG_HOST', 'host'),
    port: pick('PG_PORT', 'port'),
    database: pick('PG_DATABASE', 'dbname'),
    user: pick('PG_USER', 'username'),
    password: pick('PG_PASSWORD', 'password'),
  };
  const names = { host: 'PG_HOST', database: 'PG_DATABASE', user: 'PG_USER', password: 'PG_PASSWORD' };
  const missing = Object.keys(names).filter(key => raw[key] === undefined || raw[key] === '').map(key => names[key]);
  if (missing.length > 0) return { missing };
  const port = raw.port === undefined || raw.port === '' ? 5432 : Number(raw.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { error: `PG_PORT must be a port number (1-65535), got "${raw.port}"` };
  return { settings: { host: String(raw.host), port, database: String(raw.database), user: String(raw.user), password: String(raw.password) } };
}

function readPort(value) {
  if (value === undefined || value === '') return DEFAULT_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number (0-65535), got "${value}"`);
  return port;
}

function readConfig(env = process.env) {
  return {
    version,
    port: readPort(env.PORT),
    // 127.0.0.1 unless told otherwise; the Dockerfile sets 0.0.0.0 for containers.
    host: env.HOST || '127.0.0.1',
    commitHash: env.COMMIT_HASH || null,
    stage: env.STAGE_NAME || null,
    greeting: env.GREETING || 'Hello',
    shutdownTimeoutMs: Number(env.SHUTDOWN_TIMEOUT_MS) > 0 ? Number(env.SHUTDOWN_TIMEOUT_MS) : 10_000,
    database: readDatabaseConfig(env),
  };
}

module.exports = { readConfig, readDatabaseConfig, DEFAULT_PORT };
