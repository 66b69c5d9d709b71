import * as assert from 'node:assert/strict';
import { CreateVpcCommand, DeleteVpcCommand } from '@aws-sdk/client-ec2';
import * as vscode from 'vscode';
import { startMoto, TEST_CREDENTIALS, type Moto } from '../../unit/aws/support/moto';
import { waitFor } from '../support';
import { onPage, pageActionsServed, TOAST, toastButton } from './panelsPage';

const GLOBAL = vscode.ConfigurationTarget.Global;
const STATUS_BAR = '#workbench\\.parts\\.statusbar';
const DOCTOR_MESSAGE = 'Stagecraft AWS doctor:';

/**
 * The AWS doctor in the real VS Code: the "basic" folder's prod stage is on AWS; with the AWS
 * endpoint pointing at moto and moto's region already at its VPC quota (the default VPC and four
 * more), the doctor — run again when the endpoint changes — finds the VPC the foundation would
 * create over the quota. The AWS status bar item says a check failed, a notification names it
 * with "Show Doctor Report", and that opens the report with the FAIL line and the quota code.
 */
describe('AWS doctor in the editor (status bar, notification, report)', function () {
  this.timeout(180_000);
  let moto: Moto | undefined;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY, region: process.env.AWS_REGION };

  before(async function () {
    if (!pageActionsServed()) this.skip();
    moto = await startMoto();
    const ec2 = await moto.clients().ec2();
    for (let i = 0; i < 4; i++) await ec2.send(new CreateVpcCommand({ CidrBlock: `10.${20 + i}.0.0/16` }));
    process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
    // The status bar's identity uses no stage, so no stage's region: the environment's.
    process.env.AWS_REGION = 'us-east-1';
    await vscode.commands.executeCommand('notifications.clearAll');
    // A new endpoint makes new clients, asks STS again and runs the doctor again.
    await vscode.workspace.getConfiguration('stagecraft').update('aws.endpoint', moto.endpoint, GLOBAL);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('notifications.clearAll');
    if (!moto) return;
    await vscode.workspace.getConfiguration('stagecraft').update('aws.endpoint', undefined, GLOBAL);
    for (const [k, v] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret], ['AWS_REGION', saved.region]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    const ec2 = await moto.clients().ec2();
    const { DescribeVpcsCommand } = await import('@aws-sdk/client-ec2');
    for (const v of (await ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? []) if (!v.IsDefault) await ec2.send(new DeleteVpcCommand({ VpcId: v.VpcId }));
    await moto.stop();
  });

  it('16: a quota the stack would exceed shows in the AWS status bar item and a notification; Show Doctor Report opens the report', async () => {
    const seen = await onPage(
      'workbench',
      [
        { waitForText: STATUS_BAR, text: 'doctor: 1 failed' },
        { waitForText: TOAST, text: DOCTOR_MESSAGE },
        { text: STATUS_BAR, as: 'status' },
        { text: `${TOAST}:has-text(${JSON.stringify(DOCTOR_MESSAGE)}) .notification-list-item-message`, as: 'message' },
        { click: toastButton('Show Doctor Report', DOCTOR_MESSAGE) },
      ],
      150_000,
    );
    assert.match(seen.texts.status, /123456789012 · us-east-1\s+doctor: 1 failed/, `the identity from moto, then the failed check: ${seen.texts.status}`);
    assert.match(seen.texts.message, /1 check\(s\) failed \(shop-api: quota VPCs per Region\)\. A deploy may fail\./);

    const editor = await waitFor('the doctor report to open', () => (vscode.window.activeTextEditor?.document.uri.scheme === 'stagecraft-aws-doctor' ? vscode.window.activeTextEditor : undefined), { timeoutMs: 30_000, intervalMs: 200 });
    assert.equal(editor.document.uri.path, '/shop-api.txt');
    const report = editor.document.getText();
    assert.match(report, /^stagecraft aws doctor — shop-api/);
    assert.match(report, /^FAIL {2}quota VPCs per Region: 5 used \(VPCs in the region by DescribeVpcs, the default VPC included\) \+ 1 needed \(the foundation creates one VPC\) = 6, over the quota of 5 \(applied\)\. Request an increase: Service Quotas console → .*quota code L-F678F1CE/m);
    // moto does not serve the ELB quota: said in a few words, compared with AWS's default — no raw HTTP body.
    assert.match(report, /^ok {4}quota Application Load Balancers per Region: .* ≤ 50 \(default\) — quota not readable here \(the endpoint does not serve this API \(HTTP 500\)\)$/m);
    assert.doesNotMatch(report, /not valid JSON/);
    assert.match(report, /^ok {4}credentials: account 123456789012/m);
    assert.match(report, /^ {2}prod: ~\$\d+\.\d\d/m, 'the monthly estimate of the AWS stage');

    await onPage('workbench', [{ waitForText: '.monaco-editor .view-lines', text: 'FAIL' }, { screenshot: '16-doctor-report' }]);
  });
});
