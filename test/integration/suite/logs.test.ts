import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { stripAnsi } from '../../../src/core/logs';
import { stateDir } from '../../../src/core/workspace';
import { RotatingFile } from '../../../src/local/logs/rotatingFile';
import type { ReportedError } from '../../../src/ui/commandWrapper';
import type { LogTerminal } from '../../../src/ui/logs';
import { childrenOf, stagecraftApi, waitFor, waitForRoot, workspaceFolder } from '../support';

const appLine = (text: string) => `${new Date().toISOString()} 1a2b3c4d stdout ${text}`;

describe('Tail Logs in the terminal panel', () => {
  const root = () => workspaceFolder('basic').uri.fsPath;
  const logDir = () => path.join(stateDir(root()), 'logs', 'dev');
  after(() => fs.rm(logDir(), { recursive: true, force: true }));

  it('streams the lines written to a local stage\'s app log into its terminal, coloured, and stops when closed', async function () {
    const api = await stagecraftApi();
    const stages = await childrenOf(api, await waitForRoot(api, 'stack/shop-api'));
    const dev = stages.find(s => s.id === 'stack/shop-api/stage/dev');
    assert.ok(dev);
    const writer = new RotatingFile(path.join(logDir(), 'app.log'), { maxBytes: 2000 });
    writer.write(appLine('written before the terminal opened'));

    let reported: ReportedError | undefined;
    const sub = api.onDidReportError(e => (reported = e));
    const terminal = (await vscode.commands.executeCommand('stagecraft.tailLogs', dev, { kind: 'app', follow: true, sinceMinutes: 10, filter: '' })) as LogTerminal | undefined;
    sub.dispose();
    assert.ok(terminal, `the command returns its terminal (reported: ${reported?.message})`);

    let output = '';
    const writes = terminal.onDidWrite(data => (output += data));
    try {
      await waitFor('the terminal in the panel', () => vscode.window.terminals.find(t => t.name === 'Logs: dev (app)'));
      for (let i = 0; i < 40; i++) writer.write(appLine(i === 7 ? 'ERROR payment failed' : `request ${i}`)); // rotates on the way
      await waitFor('every line in the terminal', () => stripAnsi(output).includes('request 39'), { timeoutMs: 10_000 });

      // The line written before the terminal opened is shown first (when the subscription saw it).
      const shown = stripAnsi(output).split('\r\n').filter(l => /stdout /.test(l)).map(l => l.slice(l.indexOf('stdout ') + 7)).filter(l => l !== 'written before the terminal opened');
      assert.deepEqual(shown, Array.from({ length: 40 }, (_, i) => (i === 7 ? 'ERROR payment failed' : `request ${i}`)));
      assert.ok(output.includes('\x1b[31mERROR payment failed\x1b[0m'), 'an error line is red');
      assert.ok(terminal.lineCount >= 41, 'the line written before it opened was shown too');

      vscode.window.terminals.find(t => t.name === 'Logs: dev (app)')!.dispose();
      await waitFor('the stream to stop', () => terminal.signal.aborted);
      const before = output.length;
      writer.write(appLine('after closing'));
      await new Promise(r => setTimeout(r, 400));
      assert.equal(output.length, before, 'nothing is written after the terminal closed');
    } finally {
      writes.dispose();
      terminal.dispose();
      await writer.close();
    }
  });

  it('reports a filter it cannot evaluate as the command\'s error, without opening a terminal', async function () {
    const api = await stagecraftApi();
    const stages = await childrenOf(api, await waitForRoot(api, 'stack/shop-api'));
    const dev = stages.find(s => s.id === 'stack/shop-api/stage/dev')!;
    const count = vscode.window.terminals.length;
    const reported = new Promise<ReportedError>(resolve => {
      const sub = api.onDidReportError(e => {
        sub.dispose();
        resolve(e);
      });
    });
    const result = await vscode.commands.executeCommand('stagecraft.tailLogs', dev, { kind: 'app', follow: true, sinceMinutes: 5, filter: '{ $.level = "error" }' });
    const error = await reported;
    assert.equal(result, undefined);
    assert.equal(error.kind, 'usage');
    assert.match(error.message, /only CloudWatch Logs evaluates/);
    assert.equal(vscode.window.terminals.length, count, 'no terminal was opened');
  });
});
