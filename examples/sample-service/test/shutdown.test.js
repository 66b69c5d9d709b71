'use strict';
// SIGTERM: stop accepting, answer what is in flight (/health says 503 by then), exit 0.
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { startService, request, stopAll } = require('../test-support/harness');

after(stopAll);

function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

test('SIGTERM with nothing in flight exits 0 promptly', async () => {
  const service = await startService();
  assert.equal((await request(service.url, '/health')).status, 200);
  const started = Date.now();
  const { code, signal } = await service.stop();
  assert.equal(signal, null);
  assert.equal(code, 0);
  assert.ok(Date.now() - started < 3_000, 'an idle keep-alive connection must not hold the shutdown');
  assert.match(service.output(), /SIGTERM received: shutting down[\s\S]*stopped\n/);
});

test('SIGTERM during a request: new connections are refused, the open request is answered (503 health), then exit 0', async () => {
  const service = await startService();
  const socket = await connect(service.port);
  let response = '';
  socket.on('data', chunk => (response += chunk));
  const closed = new Promise(resolve => socket.once('close', resolve));
  // Half a request: the server has begun reading it, so it is in flight.
  socket.write('GET /health HTTP/1.1\r\nHost: sample\r\n');
  await new Promise(resolve => setTimeout(resolve, 50));

  service.child.kill('SIGTERM');
  await service.waitForOutput(/shutting down/);
  await assert.rejects(connect(service.port), { code: 'ECONNREFUSED' });
  assert.equal(service.child.exitCode, null, 'the process waits for the open request');

  socket.write('\r\n');
  await closed;
  assert.match(response, /^HTTP\/1\.1 503 /);
  assert.match(response, /\r\nconnection: close\r\n/i);
  assert.match(response, /\{"status":"shutting down"\}$/);
  assert.deepEqual(await service.exited, { code: 0, signal: null });
});

test('a request that never completes is cut off after SHUTDOWN_TIMEOUT_MS and the exit code says so', async () => {
  const service = await startService({ env: { SHUTDOWN_TIMEOUT_MS: '300' } });
  const socket = await connect(service.port);
  socket.on('error', () => {});
  socket.write('GET /health HTTP/1.1\r\nHost: sample\r\n');
  await new Promise(resolve => setTimeout(resolve, 50));
  const started = Date.now();
  service.child.kill('SIGTERM');
  const { code } = await service.exited;
  assert.equal(code, 1);
  assert.ok(Date.now() - started >= 250, 'it waited for the request first');
  assert.match(service.output(), /requests still open after 300 ms; closing them/);
  socket.destroy();
});
