import * as assert from 'node:assert/strict';
import { stagecraftApi, childrenOf, roots, shown, waitFor, waitForRoot } from '../support';
import { screenshot } from '../support/screenshot';

describe('the Stacks tree', () => {
  it('shows the basic fixture stack with its three stages in promotion order', async () => {
    const api = await stagecraftApi();
    const stack = await waitForRoot(api, 'stack/shop-api');
    const stackItem = shown(api, stack);
    assert.equal(stackItem.label, 'shop-api');
    assert.match(stackItem.description, /^3 stages\b/);
    assert.equal(stackItem.contextValue, 'stagecraft.stack');

    const stages = await childrenOf(api, stack);
    const items = stages.map(s => shown(api, s));
    assert.deepEqual(
      items.map(i => i.id),
      ['stack/shop-api/stage/dev', 'stack/shop-api/stage/test', 'stack/shop-api/stage/prod'],
    );
    assert.deepEqual(items.map(i => i.label), ['dev', 'test', 'prod']);
    assert.deepEqual(items.map(i => i.description), ['not deployed', 'not deployed', 'unknown'], 'the row keeps to the status (no commit or time before a deploy)');
    assert.deepEqual(
      items.map(i => /^\*\*\w+\*\* \(([^)]*)\)/.exec(i.tooltip)?.[1]),
      ['local', 'local', 'aws us\\-east\\-1'],
      'provider (and region) in the hover',
    );
    assert.deepEqual(
      items.map(i => i.icon),
      ['circle-outline', 'circle-outline', 'question'],
      'not-deployed icons for the local stages; unknown for the AWS stage, which no credentials can reach here',
    );
    assert.deepEqual(items.map(i => i.contextValue), ['stagecraft.stage', 'stagecraft.stage +database', 'stagecraft.stage.protected'], 'kind, then what the stage has (prod\'s database is not declared)');
    assert.match(items[1].tooltip, /Database: PostgreSQL/);
    assert.match(items[0].tooltip, /Database: none/);
    assert.match(items[2].tooltip, /Manual approval: yes/, 'an AWS stage has no load balancer trait: every one shares the foundation\'s');
  });

  it('has one root per folder with a stagecraft.yaml: a stack for basic, an error for invalid, nothing for empty', async () => {
    const api = await stagecraftApi();
    const summary = await waitFor('roots for basic and invalid only', async () => {
      const nodes = await roots(api);
      const byFolder = nodes.map(n => `${n.folder.folder.name}:${n.kind}`).sort();
      return JSON.stringify(byFolder) === JSON.stringify(['basic:stack', 'invalid:error']) ? byFolder : undefined;
    });
    assert.equal(summary.length, 2);
    await screenshot('tree', 'prod');
  });
});
