import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { stripAnsi } from '../../../src/core/logs';
import { stateDir } from '../../../src/core/workspace';
import type { LogTerminal } from '../../../src/ui/logs';
import { childrenOf, stagecraftApi, waitFor, waitForRoot, workspaceFolder } from '../support';
import { screenshot } from '../support/screenshot';

const OLD = 'e'.repeat(40);
const NEW = 'f'.repeat(40);
const MIN = 60_000;

/** A run record as the engine writes it: `commit` deployed to dev and switched to, `approvedBy` at its gate. */
function devRun(id: string, commit: string, deployAt: number, previous?: string, approval?: { by: string; comment: string }) {
  const iso = (ms: number) => new Date(ms).toISOString();
  const step = (kind: string, at: number) => ({ id: `stage:dev:${kind}`, kind, group: 'stage', stage: 'dev', label: `dev: ${kind}`, status: 'succeeded', startedAt: iso(at), endedAt: iso(at + 500) });
  return {
    version: 1,
    id,
    stack: 'shop-api',
    commit,
    stages: ['dev'],
    createdAt: iso(deployAt - 20_000),
    endedAt: iso(deployAt + 6000),
    startedBy: 'Ann',
    status: 'succeeded',
    warnings: [],
    artifact: { id: `sha256-${commit.slice(0, 16)}`, commit },
    steps: [
      ...(approval
        ? [{ ...step('approval', deployAt - 10_000), approval: { requestId: 'r1', requestedAt: iso(deployAt - 15_000), expiresAt: iso(deployAt + MIN), decision: 'approved', by: approval.by, at: iso(deployAt - 10_000), comment: approval.comment } }]
        : []),
      step('deploy', deployAt),
      step('health', deployAt + 2000),
      step('promote', deployAt + 5000),
    ],
    stageRecords: { dev: { stage: 'dev', status: 'serving', commit, artifact: `sha256-${commit.slice(0, 16)}`, ...(previous ? { previousCommit: previous } : {}) } },
  };
}

/**
 * The deployment-aware tail in the real terminal panel: the run records' approval, deploy and
 * switch show between the app log's lines at their times, each line carries the version that
 * wrote it, and the read ends with the error lines per minute before and after the switch.
 */
describe('Tail Logs with deployment markers', () => {
  const root = () => workspaceFolder('basic').uri.fsPath;
  const runIds = ['20260101-090000-000-eeee', '20260101-090100-000-ffff'];
  const written: string[] = [];

  after(async () => {
    for (const p of written) await fs.rm(p, { recursive: true, force: true });
  });

  it('shows the approval, deploy and switch between the old and the new version’s lines, then the summary', async () => {
    const api = await stagecraftApi();
    const dev = (await childrenOf(api, await waitForRoot(api, 'stack/shop-api'))).find(s => s.id === 'stack/shop-api/stage/dev');
    assert.ok(dev);
    const now = Date.now();
    const switchAt = now - 2 * MIN + 5000;
    const runs = [devRun(runIds[0], OLD, now - 6 * MIN), devRun(runIds[1], NEW, now - 2 * MIN, OLD, { by: 'Ann', comment: 'ship it' })];
    for (const run of runs) {
      const dir = path.join(stateDir(root()), 'runs', run.id);
      written.push(dir);
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(path.join(dir, 'run.json'), JSON.stringify(run));
    }
    const logDir = path.join(stateDir(root()), 'logs', 'dev');
    written.push(logDir);
    await fs.mkdir(logDir, { recursive: true });
    const line = (at: number, version: string, text: string) => `${new Date(at).toISOString()} ${version} stdout ${text}`;
    await fs.writeFile(
      path.join(logDir, 'app.log'),
      [
        line(switchAt - 2.5 * MIN, OLD.slice(0, 12), 'ERROR payment failed'),
        line(switchAt - MIN, OLD.slice(0, 12), 'GET /cart ok'),
        line(switchAt + 1000, OLD.slice(0, 12), 'draining'),
        line(switchAt + 30_000, NEW.slice(0, 12), 'GET /cart ok'),
      ].join('\n') + '\n',
    );

    const terminal = (await vscode.commands.executeCommand('stagecraft.tailLogs', dev, { kind: 'app', follow: false, sinceMinutes: 5, filter: '' })) as LogTerminal | undefined;
    assert.ok(terminal, 'the command returns its terminal');
    let output = '';
    const writes = terminal.onDidWrite(data => (output += data));
    try {
      await waitFor('the end of the log in the terminal', () => stripAnsi(output).includes('— end of log'), { timeoutMs: 15_000 });
      const shown = stripAnsi(output)
        .split('\r\n')
        .map(l => l.replace(/^[\d:.-]+ /, ''))
        .filter(l => l.startsWith('──') || / stdout /.test(l));
      assert.deepEqual(shown.slice(0, 7), [
        `${OLD.slice(0, 12)} stdout ERROR payment failed`,
        `${OLD.slice(0, 12)} stdout GET /cart ok`,
        '── ⚑ ffffffff approved by Ann (ship it) ──',
        `── ▶ deploy of ffffffff started (run ${runIds[1]}, by Ann) ──`,
        `── ⇄ traffic switched to ffffffff (run ${runIds[1]}; was eeeeeeee) ──`,
        `${OLD.slice(0, 12)} stdout draining`,
        `${NEW.slice(0, 12)} stdout GET /cart ok`,
      ]);
      assert.match(shown[7], /^── Σ error lines per minute, before → after the switch to ffffffff: 0\.3 → 0\.0 \(1 in 3\.\d min → 0 in [12]\.\d min\) ──$/);
      assert.ok(output.includes('\x1b[1m\x1b[36m── ⇄ traffic switched'), 'the switch stands out (bold cyan)');
      assert.match(stripAnsi(output), /— end of log: 4 lines —/, 'markers are not counted as lines of the log');
      await screenshot('17-tail-markers');
    } finally {
      writes.dispose();
      terminal.dispose();
    }
  });
});
