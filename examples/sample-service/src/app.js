'use strict';
// The HTTP routes and the graceful shutdown. Plain node:http, JSON in and out.

const http = require('node:http');
const { DatabaseUnavailable } = require('./database');

const MAX_BODY_BYTES = 16 * 1024;
const MAX_NAME_LENGTH = 200;

class HttpError extends Error {
  constructor(status, message, headers = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

function readJsonBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    const onData = chunk => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Discard the rest instead of destroying the socket, so the client reads the 413.
        req.off('data', onData);
        req.resume();
        reject(new HttpError(413, `request body larger than ${MAX_BODY_BYTES} bytes`, { connection: 'close' }));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('error', reject);
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new HttpError(400, 'request body must be JSON, for example {"name": "first item"}'));
      }
    });
  });
}

/**
 * @param config from config.readConfig
 * @param database from database.createDatabase, or undefined when PG_* are not set
 * @param log from log.createLogger
 */
function createApp({ config, database, log }) {
  let shuttingDown = false;

  function send(res, status, body, headers = {}) {
    const text = JSON.stringify(body);
    // While shutting down, ask keep-alive clients to reconnect (to the new version, behind the proxy).
    if (shuttingDown) headers.connection = 'close';
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  function requireDatabase() {
    if (database) return database;
    const db = config.database;
    const why = db.error ?? `set ${db.missing.join(', ')} (or PG_CREDENTIALS_SECRET) to enable /items`;
    throw new HttpError(503, `no database configured: ${why}`);
  }

  const routes = {
    '/health': {
      GET: () => (shuttingDown ? [503, { status: 'shutting down' }] : [200, { status: 'ok' }]),
    },
    '/info': {
      GET: () => [
        200,
        {
          service: 'sample-service',
          version: config.version,
          commitHash: config.commitHash,
          stage: config.stage,
          greeting: config.greeting,
          database: database ? 'postgres' : null,
        },
      ],
    },
    '/items': {
      GET: async () => [200, { items: await requireDatabase().listItems() }],
      POST: async req => {
        const db = requireDatabase();
        const body = await readJsonBody(req);
        const name = body && typeof body.name === 'string' ? body.name.trim() : '';
        if (!name || name.length > MAX_NAME_LENGTH) throw new HttpError(400, `"name" must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`);
        return [201, await db.insertItem(name)];
      },
    },
  };

  async function handle(req, res) {
    const path = new URL(req.url, 'http://service').pathname;
    const route = routes[path];
    try {
      if (!route) throw new HttpError(404, `no route ${path}; try /health, /info or /items`);
      const handler = route[req.method];
      if (!handler) {
        send(res, 405, { error: `${req.method} is not allowed on ${path}` }, { allow: Object.keys(route).join(', ') });
        return;
      }
      const [status, body] = await handler(req);
      send(res, status, body);
    } catch (err) {
      if (err instanceof HttpError) return send(res, err.status, { error: err.message }, err.headers);
      if (err instanceof DatabaseUnavailable) {
        log.warn(`${req.method} ${path}: ${err.message}`);
        return send(res, 503, { error: err.message });
      }
      log.error(`${req.method} ${path} failed: ${err && err.stack ? err.stack : err}`);
      send(res, 500, { error: 'internal error; see the service log' });
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(err => log.error(`unhandled: ${err}`));
  });

  /**
   * Stops accepting connections, lets in-flight requests finish, closes the database pool.
   * Resolves true when everything finished in time, false when the timeout cut it short.
   */
  function shutdown(timeoutMs = config.shutdownTimeoutMs) {
    if (shuttingDown) return Promise.resolve(true);
    shuttingDown = true;
    return new Promise(resolve => {
      const timer = setTimeout(() => {
        log.warn(`requests still open after ${timeoutMs} ms; closing them`);
        server.closeAllConnections();
        resolve(false);
      }, timeoutMs);
      timer.unref();
      server.close(async () => {
        clearTimeout(timer);
        if (database) await database.close().catch(err => log.warn(`closing the database pool: ${err.message}`));
        resolve(true);
      });
      server.closeIdleConnections();
    });
  }

  return { server, shutdown, isShuttingDown: () => shuttingDown };
}

module.exports = { createApp };
