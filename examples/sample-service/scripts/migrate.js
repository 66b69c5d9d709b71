'use strict';
// `npm run migrate`: creates the items table. Stagecraft runs it before each deploy of a stage.
// A stage without a database has nothing to migrate: that is reported and is not a failure.

const { readConfig } = require('../src/config');
const { createLogger } = require('../src/log');
const { createDatabase } = require('../src/database');

async function migrate() {
  const { database: db } = readConfig(process.env);
  if (db.error) {
    process.stderr.write(`migrate: ${db.error}\n`);
    return 2;
  }
  if (!db.settings) {
    if (db.missing.length < 4) {
      process.stderr.write(`migrate: incomplete database settings: set ${db.missing.join(', ')} (or PG_CREDENTIALS_SECRET)\n`);
      return 2;
    }
    process.stdout.write('migrate: no database configured (PG_* not set); nothing to do\n');
    return 0;
  }
  const log = createLogger({ secrets: [db.settings.password] });
  const database = createDatabase(db.settings, log);
  try {
    await database.ensureSchema();
    log.info(`migrate: table "items" is ready in ${database.describe()}`);
    return 0;
  } catch (err) {
    log.error(`migrate: ${err.message}`);
    return 1;
  } finally {
    await database.close().catch(() => {});
  }
}

migrate().then(code => {
  process.exitCode = code;
});
