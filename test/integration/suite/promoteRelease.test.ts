import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { findPendingApproval, readRun, reject, type RunRecord } from '../../../src/core/pipeline';
import { stateDir } from '../../../src/core/workspace';
import type { ReleaseNode } from '../../../src/ui/releases/releasesTree';
import { pushFakeImage } from '../../unit/aws/support/ecr';
import { startMoto, TEST_CREDENTIALS, type Moto } from '../../unit/aws/support/moto';
import { stagecraftApi, waitFor, workspaceFolder } from '../support';
import { onPage, pageActionsServed } from './panelsPage';

const COMMIT = 'c0ffee0000000000000000000000000000000017';
const RUN_ID = '20260101-080000-000-c0ff';
const GLOBAL = vscode.ConfigurationTarget.Global;
const PICK = '.quick-input-widget';

/** A finished run that released COMMIT to dev (local) with its artifact recorded. */
function devRelease() {
  const at = new Date(Date.now() - 3_600_000).toISOString();
  const step = (kind: string) => ({ id: `stage:dev:${kind}`, kind, group: 'stage', stage: 'dev', label: `dev: ${kind}`, status: 'succeeded', startedAt: at, endedAt: at });
  return {
    version: 1,
    id: RUN_ID,
    stack: 'shop-api',
    commit: COMMIT,
    stages: ['dev'],
    createdAt: at,
    endedAt: at,
    status: 'succeeded',
    warnings: [],
    artifact: { id: `sha256-${'17'.repeat(16)}`, commit: COMMIT },
    steps: [step('deploy'), step('health'), step('promote')],
    stageRecords: { dev: { stage: 'dev', status: 'serving', commit: COMMIT, artifact: `sha256-${'17'.repeat(16)}` } },
  };
}

/**
 * "Promote This Release to…" in the real VS Code: on a commit of the Releases view that reached
 * dev, the quick pick offers the later stages it has not reached (test, prod — prod requiring
 * approval); picking prod starts a run of prod alone that deploys the recorded image (in moto's
 * ECR) with no source or build step, and stops at prod's approval gate; rejected there, it ends.
 */
describe('Promote This Release to… (Releases view)', function () {
  this.timeout(180_000);
  let moto: Moto;
  const root = () => workspaceFolder('basic').uri.fsPath;
  const runsDir = () => path.join(stateDir(root()), 'runs');
  const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  before(async function () {
    if (!pageActionsServed()) this.skip();
    moto = await startMoto();
    await pushFakeImage(moto.clients(), 'shop-api', COMMIT);
    process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
    await vscode.workspace.getConfiguration('stagecraft').update('aws.endpoint', moto.endpoint, GLOBAL);
    await fs.mkdir(path.join(runsDir(), RUN_ID), { recursive: true });
    await fs.writeFile(path.join(runsDir(), RUN_ID, 'run.json'), JSON.stringify(devRelease()));
  });

  after(async () => {
    await vscode.commands.executeCommand('notifications.clearAll');
    // Only the runs this test made: the Releases view's tests count what is there.
    for (const id of await fs.readdir(runsDir()).catch(() => [] as string[])) {
      const run = await readRun(root(), id).catch(() => undefined);
      if (id === RUN_ID || run?.commit === COMMIT) await fs.rm(path.join(runsDir(), id), { recursive: true, force: true });
    }
    if (!moto) return;
    await vscode.workspace.getConfiguration('stagecraft').update('aws.endpoint', undefined, GLOBAL);
    for (const [k, v] of [['AWS_ACCESS_KEY_ID', savedEnv.id], ['AWS_SECRET_ACCESS_KEY', savedEnv.secret]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await moto.stop();
  });

  it('offers the later stages, deploys the recorded artifact to prod through its approval gate, no build', async () => {
    const api = await stagecraftApi();
    api.releases.refresh();
    const node = await waitFor('the released commit in the Releases view', async () => ((await api.releases.getChildren()) as ReleaseNode[]).find(n => n.kind === 'commit' && n.entry.commit === COMMIT));
    assert.equal(api.releases.getTreeItem(node).contextValue, 'stagecraft.release', 'the menu entry shows on commits (package.json: viewItem == stagecraft.release)');
    await vscode.commands.executeCommand('workbench.view.extension.stagecraft');
    await vscode.commands.executeCommand('notifications.clearAll'); // earlier tests' messages would cover the screenshot

    const promoted = Promise.resolve(vscode.commands.executeCommand<RunRecord | undefined>('stagecraft.promoteRelease', node));
    const pick = await onPage('workbench', [
      { waitForText: PICK, text: 'requires approval' },
      { waitForText: '.part.sidebar', text: 'c0ffee00' },
      { text: PICK, as: 'pick' },
      { screenshot: '17-promote-release' },
      { click: `${PICK} .monaco-list-row:has-text("prod")` },
    ]);
    assert.match(pick.texts.pick, /test\s*local/);
    assert.match(pick.texts.pick, /prod\s*aws · requires approval/);
    assert.doesNotMatch(pick.texts.pick, /\bdev\s*local/, 'dev, which it reached, is not offered');

    const pending = await waitFor('the promotion to wait at prod’s approval gate', () => findPendingApproval(root(), 'prod'), { timeoutMs: 60_000, intervalMs: 300 });
    const waiting = await readRun(root(), pending.runId);
    assert.equal(waiting.commit, COMMIT);
    assert.deepEqual(waiting.stages, ['prod']);
    assert.deepEqual(waiting.steps.filter(s => s.group !== 'stage'), [], 'no source or build steps: the recorded artifact is deployed');
    assert.equal(waiting.artifact?.id, `sha256-${'17'.repeat(16)}`);
    assert.equal(waiting.rollbackTo, undefined);

    await reject(root(), { runId: pending.runId, stage: 'prod' }, { by: 'Integration Test', comment: 'not today' });
    const run = await promoted;
    assert.equal(run?.status, 'rejected');
    assert.ok(!run?.steps.some(s => s.kind === 'deploy' && s.status !== 'pending'), 'nothing was deployed');
  });
});
