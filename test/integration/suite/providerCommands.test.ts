import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { childrenOf, nextReportedError, stagecraftApi, waitForRoot } from '../support';

// The basic fixture's prod stage runs on AWS, whose provider this build does not register yet.
// When src/aws registers it, this test is to move to a provider that is still missing, or go.
describe('a command whose provider is not available yet', () => {
  it('Deploy Stage on a stage node reports plainly that the aws provider is not available', async () => {
    const api = await stagecraftApi();
    const stages = await childrenOf(api, await waitForRoot(api, 'stack/shop-api'));
    const prod = stages.find(s => s.id === 'stack/shop-api/stage/prod');
    assert.ok(prod, 'the prod stage node');

    const reported = nextReportedError(api, 'stagecraft.deployStage');
    const result = await vscode.commands.executeCommand('stagecraft.deployStage', prod);
    assert.equal(result, undefined, 'the command fails without throwing into the caller');
    const error = await reported;
    assert.equal(error.kind, 'unavailable');
    assert.match(error.message, /^Deploy Stage \(prod\): the aws provider is not available/);
  });
});
