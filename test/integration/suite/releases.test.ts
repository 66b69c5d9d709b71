import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ReleaseNode } from '../../../src/ui/releases/releasesTree';
import { stackFileOf, stagecraftApi, waitFor, workspaceFolder } from '../support';
import { screenshot } from '../support/screenshot';

/** A finished run record as the engine writes it: `commit` promoted through `stages`. */
function runRecord(id: string, commit: string, stages: string[], failedAt?: string) {
  const at = `2026-01-01T10:${id.slice(11, 13)}:00.000Z`;
  return {
    version: 1,
    id,
    stack: 'shop-api',
    commit,
    stages,
    createdAt: at,
    endedAt: at,
    status: failedAt ? 'failed' : 'succeeded',
    warnings: [],
    artifact: { id: `sha256-${commit.slice(0, 16)}`, commit },
    steps: stages.flatMap(stage => [
      { id: `stage:${stage}:deploy`, kind: 'deploy', group: 'stage', stage, label: `${stage}: deploy`, status: 'succeeded', startedAt: at, endedAt: at },
      { id: `stage:${stage}:health`, kind: 'health', group: 'stage', stage, label: `${stage}: health check`, status: stage === failedAt ? 'failed' : 'succeeded', startedAt: at, endedAt: at, summary: stage === failedAt ? 'GET /health answered 500' : 'ok' },
      ...(stage === failedAt ? [] : [{ id: `stage:${stage}:promote`, kind: 'promote', group: 'stage', stage, label: `${stage}: promote`, status: 'succeeded', startedAt: at, endedAt: at }]),
    ]),
    stageRecords: Object.fromEntries(stages.map(s => [s, { stage: s, status: s === failedAt ? 'rolled-back' : 'serving', commit, artifact: `sha256-${commit.slice(0, 16)}` }])),
  };
}

describe('the Releases view (the ledger)', () => {
  const C1 = 'a'.repeat(40);
  const C2 = 'b'.repeat(40);
  let stateDir: string;

  before(async () => {
    stateDir = path.join(workspaceFolder('basic').uri.fsPath, '.stagecraft');
    const write = async (rel: string, value: unknown) => {
      await fs.mkdir(path.dirname(path.join(stateDir, rel)), { recursive: true });
      await fs.writeFile(path.join(stateDir, rel), JSON.stringify(value));
    };
    await write('runs/20260101-100100-000-aaaa/run.json', runRecord('20260101-100100-000-aaaa', C1, ['dev', 'test']));
    await write('runs/20260101-100200-000-bbbb/run.json', runRecord('20260101-100200-000-bbbb', C2, ['dev', 'test'], 'test'));
    // No stage state is written (the Stacks tree would read it): what runs now is the newest release of each stage.
  });

  after(async () => {
    await fs.rm(stateDir, { recursive: true, force: true });
    (await stagecraftApi()).releases.setFilter(undefined);
  });

  it('lists commits newest first with the stages each reached; a rolled-back attempt reads as such', async () => {
    const api = await stagecraftApi();
    api.releases.refresh();
    const commits = await waitFor('two commits in the Releases view', async () => {
      const nodes = (await api.releases.getChildren()).filter(n => n.kind === 'commit');
      return nodes.length === 2 ? nodes : undefined;
    });
    const items = commits.map(n => api.releases.getTreeItem(n));
    assert.deepEqual(items.map(i => String(i.label).slice(0, 8)), ['bbbbbbbb', 'aaaaaaaa']);
    assert.equal(items[0].description, '● dev  ✖ test');
    assert.equal(items[1].description, '○ dev  ● test');
    const tooltip = (items[1].tooltip as vscode.MarkdownString).value;
    assert.match(tooltip, /Runs now on \*\*test\*\*/);
    assert.match(tooltip, /run `20260101-100100-000-aaaa`/);

    const attempts = await api.releases.getChildren(commits[0]);
    const shown = attempts.map(a => api.releases.getTreeItem(a));
    assert.deepEqual(shown.map(i => i.label).sort(), ['dev: serving', 'test: rolled back']);
    const rolled = shown.find(i => i.label === 'test: rolled back')!;
    assert.match((rolled.tooltip as vscode.MarkdownString).value, /health check: GET \/health answered 500/);
    assert.equal(shown.find(i => i.label === 'dev: serving')!.contextValue, 'stagecraft.releaseAttempt');
    await vscode.commands.executeCommand('workbench.view.extension.stagecraft');
    await screenshot('releases', 'bbbbbbbb');
  });

  it('filters by stage', async () => {
    const api = await stagecraftApi();
    await vscode.commands.executeCommand('stagecraft.filterReleases', 'test');
    const nodes = (await api.releases.getChildren()) as ReleaseNode[];
    const attempts = (await Promise.all(nodes.map(n => api.releases.getChildren(n)))).flat();
    assert.ok(attempts.length > 0);
    assert.ok(attempts.every(a => a.kind === 'attempt' && a.attempt.stage === 'test'));
  });

  it("drift: what dev has and test lacks is a warning at test's line with a 'Copy … from dev' quick fix", async () => {
    const uri = stackFileOf(workspaceFolder('basic'));
    const text = (await vscode.workspace.openTextDocument(uri)).getText();
    const testLine = text.split('\n').findIndex(l => /- name: test/.test(l));
    const diagnostic = await waitFor('a drift warning on test', () =>
      vscode.languages.getDiagnostics(uri).find(d => d.source === 'stagecraft' && d.code === 'stage-drift' && /LOG_LEVEL/.test(d.message)),
    );
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(diagnostic.range.start.line, testLine);
    const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diagnostic.range)) ?? [];
    const copy = actions.find(a => a.title === 'Copy LOG_LEVEL from dev');
    assert.ok(copy, `actions: ${actions.map(a => a.title).join(', ')}`);
    const edit = copy.edit!.get(uri)[0];
    assert.match(edit.newText, /- name: test\n {4}provider: local\n {4}database: postgres[^\n]*\n {4}env:\n {6}DATABASE_POOL: 5\n {6}LOG_LEVEL: debug/);
  });
});
