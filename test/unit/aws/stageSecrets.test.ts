import * as assert from 'node:assert/strict';
import { AwsProvider } from '../../../src/aws/provider';
import { storeStageSecret } from '../../../src/aws/stageSecrets';
import { redactor } from '../../../src/core/redact';
import { startMoto, TEST_CREDENTIALS, type Moto } from './support/moto';
import { stackFromYaml } from './support/stacks';

/** The engine's notifications read their webhook URL from a stage secret: on AWS, from Secrets Manager. */
describe('aws: the executor reads a stage secret for the engine (moto)', () => {
  let moto: Moto;
  let provider: AwsProvider;
  const stack = stackFromYaml('stack: hooks\nservice:\n  port: 8080\nstages:\n  - name: dev\n    provider: aws\n    region: us-east-1\n');

  before(async () => {
    moto = await startMoto();
    provider = new AwsProvider({ clientDefaults: () => ({ endpoint: moto.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS }), pollMs: 100 });
  });
  after(async () => {
    await moto?.stop();
  });

  it('gives the current value of a stored secret, masked from then on, and undefined for one never stored', async () => {
    const url = 'https://hooks.example.com/incoming/T0-b1c2d3e4f5';
    await storeStageSecret(provider.clientsFor(stack.stages[0]), 'hooks', 'dev', 'CHAT_WEBHOOK', url);
    const executor = provider.pipelineExecutor(stack);
    assert.ok(executor.readSecret, 'the AWS executor offers readSecret');
    assert.equal(await executor.readSecret('dev', 'CHAT_WEBHOOK'), url);
    assert.ok(!redactor.redact(`posting to ${url}`).includes(url), 'the value is masked in output');
    assert.equal(await executor.readSecret('dev', 'NEVER_STORED'), undefined);
    assert.equal(await executor.readSecret('no-such-stage', 'CHAT_WEBHOOK'), undefined);
  });
});
