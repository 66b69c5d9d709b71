'use strict';
// Starts the service as a real process on an ephemeral port and talks HTTP to it.
// Lives outside test/ because `node --test test/` runs every .js file under a test folder.

const { spawn } = require('node:child_process');
const path = require('node:path');

const SERVICE_ROOT = path.resolve(__dirname, '..');
const running = new Set();

/**
 * Spawns `node src/main.js` with only PATH plus `env` (so stray PG_* variables of the shell
 * running the tests cannot leak in), PORT=0 and HOST=127.0.0.1, and waits for its
 * "listening on" line.
 */
async function startService({ env = {}, root = SERVICE_ROOT, timeoutMs = 10_000 } = {}) {
  const child = spawn(process.execPath, [path.join(root, 'src', 'main.js')], {
    cwd: root,
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const watchers = new Set();
  const onData = chunk => {
    output += chunk;
    for (const w of watchers) w();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise(resolve => {
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
      for (const w of watchers) w();
    });
  });

  /** Resolves with the first match of `pattern` in the output; rejects on exit or timeout. */
  function waitForOutput(pattern, ms = timeoutMs) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(output);
        if (m) return done(() => resolve(m));
        if (child.exitCode !== null || child.signalCode !== null) done(() => reject(new Error(`service exited before printing ${pattern}; output:\n${output}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} within ${ms} ms; output:\n${output}`))), ms);
      const done = fn => {
        clearTimeout(timer);
        watchers.delete(check);
        fn();
      };
      watchers.add(check);
      check();
    });
  }

  const m = await waitForOutput(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
  const port = Number(m[1]);
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    waitForOutput,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** One HTTP request; the body is parsed as JSON when the service says it is JSON. */
async function request(baseUrl, route, { method = 'GET', json, headers = {} } = {}) {
  const res = await fetch(baseUrl + route, {
    method,
    headers: json === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: json === undefined ? undefined : typeof json === 'string' ? json : JSON.stringify(json),
  });
  const text = await res.text();
  const isJson = (res.headers.get('content-type') || '').includes('application/json');
  return { status: res.status, headers: res.headers, body: isJson ? JSON.parse(text) : text };
}

/** Ends every service a test left running (after hooks call this). */
async function stopAll() {
  await Promise.all(
    [...running].map(
      child =>
        new Promise(resolve => {
          child.once('exit', resolve);
          child.kill('SIGKILL');
        }),
    ),
  );
}

module.exports = { SERVICE_ROOT, startService, request, stopAll };
