'use strict';
// One line per event on stdout/stderr (Stagecraft's local provider writes them to the stage's log
// file). Known secrets, such as the database password, are masked in every line, whatever its source.

function createLogger({ secrets = [], out = process.stdout, err = process.stderr } = {}) {
  const known = secrets.filter(s => typeof s === 'string' && s.length > 0);
  const mask = text => known.reduce((line, secret) => line.split(secret).join('****'), String(text));
  const write = (stream, level, message) => stream.write(`${new Date().toISOString()} ${level} ${mask(message)}\n`);
  return {
    info: message => write(out, 'info', message),
    warn: message => write(err, 'warn', message),
    error: message => write(err, 'error', message),
    mask,
  };
}

module.exports = { createLogger };
