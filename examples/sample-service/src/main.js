'use strict';
// Entry point (the Dockerfile's CMD): read the environment, listen, stop gracefully on SIGTERM.

const { readConfig } = require('./config');
const { createLogger } = require('./log');
const { createDatabase } = require('./database');
const { createApp } = require('./app');

function main() {
  let config;
  try {
    config = readConfig(process.env);
  } catch (err) {
    process.stderr.write(`sample-service: ${err.message}\n`);
    process.exit(2);
  }
  const db = config.database;
  const log = createLogger({ secrets: [db.settings && db.settings.password] });
  const database = db.settings ? createDatabase(db.settings, log) : undefined;
  const app = createApp({ config, database, log });

  app.server.on('error', err => {
    log.error(`cannot listen on ${config.host}:${config.port}: ${err.message}`);
    process.exit(1);
  });
  app.server.listen(config.port, config.host, () => {
    const { port } = app.server.address();
    const incomplete = db.missing && db.missing.length < 4 ? `none (incomplete: set ${db.missing.join(', ')})` : 'none';
    const where = database ? database.describe() : db.error ? `none (${db.error})` : incomplete;
    log.info(`sample-service ${config.version} listening on http://${config.host}:${port} (stage ${config.stage ?? '-'}, commit ${config.commitHash ?? '-'}, database ${where})`);
  });

  const stop = signal => {
    if (app.isShuttingDown()) return;
    // shutdown() closes the listener synchronously, so by the time this line is read no new connection is accepted.
    const stopped = app.shutdown();
    log.info(`${signal} received: shutting down, finishing open requests`);
    stopped.then(clean => {
      log.info(clean ? 'stopped' : 'stopped with requests cut short');
      process.exit(clean ? 0 : 1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main();
