import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { StagecraftApi } from '../../../src/extension';
import type { StagecraftNode } from '../../../src/ui/tree';
import { childrenOf, nextReportedError, stagecraftApi, waitForRoot } from '../support';

// The basic fixture's prod stage runs on AWS, and the test machine has no AWS credentials (and no
// network): a provider command must fail once, plainly, with the way to fix it, not hang or pass.
describe('an AWS stage without AWS credentials', () => {
  async function prodNode(api: StagecraftApi): Promise<StagecraftNode> {
    const stages = await childrenOf(api, await waitForRoot(api, 'stack/shop-api'));
    const prod = stages.find(s => s.id === 'stack/shop-api/stage/prod');
    assert.ok(prod, 'the prod stage node');
    return prod;
  }

  it('Rotate Database Password reports the missing credentials with the next step, before asking to confirm', async () => {
    const api = await stagecraftApi();
    const reported = nextReportedError(api, 'stagecraft.rotateDatabasePassword');
    const result = await vscode.commands.executeCommand('stagecraft.rotateDatabasePassword', await prodNode(api));
    assert.equal(result, undefined, 'the command fails without throwing into the caller');
    const error = await reported;
    assert.equal(error.kind, 'failure');
    assert.match(error.message, /prod/);
    assert.match(error.message, /no AWS credentials/);
    assert.match(error.message, /Select AWS Profile|aws configure|aws sso login/);
  });

  it("the tree shows the stage's status as unknown, with the reason in its tooltip", async () => {
    const api = await stagecraftApi();
    const prod = await prodNode(api);
    const item = api.tree.getTreeItem(prod);
    assert.equal(String(item.description), 'unknown');
    const tooltip = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip);
    assert.match(tooltip, /credentials/);
  });
});
