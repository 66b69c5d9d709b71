import * as assert from 'node:assert/strict';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import * as vscode from 'vscode';
import { AwsProvider } from '../../../src/aws/provider';
import { parseStackFile } from '../../../src/core/config/load';
import type { Stack } from '../../../src/core/model';
import type { OpenedPanel } from '../../../src/ui/panels';
import type { StageNode } from '../../../src/ui/tree';
import { pushFakeImage } from '../../unit/aws/support/ecr';
import { startMoto, TEST_CREDENTIALS, type Moto } from '../../unit/aws/support/moto';
import { childrenOf, closeAllEditors, readText, restoreText, roots, stackFileOf, stagecraftApi, waitFor, workspaceFolder } from '../support';
import { onPage, pageActionsServed } from './panelsPage';

const COMMIT = 'c0ffee0000000000000000000000000000000001';
const SLOW = { timeoutMs: 60_000, intervalMs: 500 };
/** Where the setting lives while these tests run: the user's settings, restored afterwards. */
const GLOBAL = vscode.ConfigurationTarget.Global;
const REVIEW = '.quick-input-widget';
const ROW = `${REVIEW} .monaco-list-row`;

/**
 * "Review changes" in the real VS Code against moto: applying a new origin to the AWS stage of the
 * basic fixture prepares a CloudFormation change set, and the review (a quick pick that stays open until answered) shows what it will
 * change before anything does. Declining leaves the stack as it was; Deploy updates it.
 */
describe('Review changes of an AWS stage (moto)', function () {
  this.timeout(180_000);
  let moto: Moto;
  let file: vscode.Uri;
  let original: string;
  const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  before(async function () {
    if (!pageActionsServed()) this.skip();
    moto = await startMoto();
    file = stackFileOf(workspaceFolder('basic'));
    original = await readText(file);
    const stack = parseStackFile(original, file.fsPath).stack as Stack;
    const prod = stack.stages.find(s => s.name === 'prod')!;
    // The stage exists before the edit: created here (moto cannot turn termination protection on afterwards).
    const setup = new AwsProvider({ clientDefaults: () => ({ endpoint: moto.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS }), pollMs: 100 });
    const image = await pushFakeImage(moto.clients(), 'shop-api', COMMIT);
    await setup.deployImage(setup.clientsFor(prod), stack, { ...prod, protected: false }, { imageUri: image, commit: COMMIT });
    await setup.dispose();
    // The extension's own clients: moto's endpoint from the setting, credentials from the environment.
    process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
    await vscode.workspace.getConfiguration('stagecraft').update('aws.endpoint', moto.endpoint, GLOBAL);
  });

  afterEach(async () => {
    await closeAllEditors();
    await vscode.commands.executeCommand('notifications.clearAll');
    if (file) await restoreText(file, original);
  });

  after(async () => {
    if (!moto) return;
    await vscode.workspace.getConfiguration('stagecraft').update('aws.endpoint', undefined, GLOBAL);
    await vscode.workspace.getConfiguration('stagecraft').update('reviewChanges', undefined, GLOBAL);
    restoreEnv('AWS_ACCESS_KEY_ID', savedEnv.id);
    restoreEnv('AWS_SECRET_ACCESS_KEY', savedEnv.secret);
    await moto.stop();
  });

  async function prodOrigins(): Promise<string> {
    const cf = await moto.clients().cloudFormation();
    const s = (await cf.send(new DescribeStacksCommand({ StackName: 'shop-api-prod' }))).Stacks![0];
    return `${s.StackStatus} ${s.Parameters?.find(p => p.ParameterKey === 'AllowedOrigins')?.ParameterValue ?? '(no AllowedOrigins parameter)'}`;
  }

  /** Adds `origin` to prod in the Origins panel, saves it to stagecraft.yaml and presses "Apply to stage". */
  async function addOriginAndApply(origin: string): Promise<void> {
    const opened = await vscode.commands.executeCommand<OpenedPanel>('stagecraft.editOrigins', await prodNode());
    await opened.interactive;
    await onPage('origins', [
      { waitFor: '#new-origin' },
      { type: '#new-origin input', text: origin },
      { press: 'Enter' },
      { click: '#save' },
      { waitForText: '#banner', text: 'Saved' },
      { click: '#apply' },
    ]);
  }

  it('declining the review leaves the stack unchanged', async () => {
    const before = await prodOrigins();
    await addOriginAndApply('https://declined.example.com');
    const review = await onPage('workbench', [
      { waitForText: REVIEW, text: 'Review changes: update shop-api/prod' },
      { text: REVIEW, as: 'review' },
      { screenshot: 'review-changes' },
      { click: `${ROW}:has-text("Cancel")` },
    ]);
    assert.match(review.texts.review, /CloudFormation stack shop-api-prod: \d+ to add, \d+ to modify/);
    // moto lists only part of a change set's resources; the listener rule that enforces the origins is among them.
    assert.match(review.texts.review, /OriginAllowRule/);
    // The change set is deleted and nothing runs; give a wrong "went ahead" time to show.
    await new Promise(r => setTimeout(r, 3000));
    assert.equal(await prodOrigins(), before);
    assert.ok(!before.includes('declined.example.com'));
  });

  it('Deploy in the review updates the stack with the new origin', async () => {
    await addOriginAndApply('https://admin.example.com');
    await onPage('workbench', [
      { waitForText: REVIEW, text: 'Review changes: update shop-api/prod' },
      { click: `${ROW}:has-text("Deploy")` },
    ]);
    const after = await waitFor('the prod stack to be updated with the new origin', async () => {
      const now = await prodOrigins();
      return now.startsWith('UPDATE_COMPLETE') && now.includes('https://admin.example.com') ? now : undefined;
    }, SLOW);
    assert.match(after, /https:\/\/shop\.example\.com/);
  });

  it('with stagecraft.reviewChanges = never, the same apply goes ahead without asking', async () => {
    await vscode.workspace.getConfiguration('stagecraft').update('reviewChanges', 'never', GLOBAL);
    await addOriginAndApply('https://unasked.example.com');
    await waitFor('the prod stack to get the origin without a dialog', async () => ((await prodOrigins()).includes('https://unasked.example.com') ? true : undefined), SLOW);
  });
});

async function prodNode(): Promise<StageNode> {
  const api = await stagecraftApi();
  return waitFor(
    'stage prod in the tree',
    async () => {
      const stack = (await roots(api)).find(n => n.id === 'stack/shop-api');
      const stages = stack ? await childrenOf(api, stack) : [];
      return stages.find((n): n is StageNode => n.kind === 'stage' && n.stage.name === 'prod');
    },
    SLOW,
  );
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
