import * as assert from 'node:assert/strict';
import { awsModule } from '../../../src/aws/module';
import { parseStackFile } from '../../../src/core/config/load';
import { formatProblem } from '../../../src/core/problems';
import { Providers } from '../../../src/core/providers';
import { localModule } from '../../../src/local/module';

describe('local/module: what the local provider adds to stagecraft.yaml', () => {
  const schema = () => new Providers([localModule, awsModule]).stackSchema();

  it('`hosts:` lists the names a local stage answers to; status and the tree show them', () => {
    const parsed = parseStackFile('stack: shop\nstages:\n  - name: dev\n    hosts: [shop.localhost, api.shop.test]\n', 'f.yaml', schema());
    assert.deepEqual(parsed.problems, []);
    const dev = parsed.stack!.stages[0];
    assert.deepEqual(dev.hosts, ['shop.localhost', 'api.shop.test']);
    assert.deepEqual(localModule.stageTraits!(dev), ['hosts: shop.localhost, api.shop.test']);
    const plain = parseStackFile('stack: shop\nstages:\n  - name: dev\n', 'f.yaml', schema()).stack!.stages[0];
    assert.equal(plain.hosts, undefined);
    assert.deepEqual(localModule.stageTraits!(plain), []);
  });

  it('a bad host name is an error at its file:line, saying what to write', () => {
    const text = 'stack: shop\nstages:\n  - name: dev\n    hosts:\n      - shop.localhost\n      - https://shop.localhost/\n      - shop.localhost:8080\n      - Shop.Test\n      - "*.shop.test"\n      - "shop..test"\n';
    assert.deepEqual(parseStackFile(text, 'f.yaml', schema()).problems.map(formatProblem), [
      'f.yaml:6:9: stages[0].hosts[1]: "https://shop.localhost/" is not a host name: write the name alone, such as shop.localhost (no scheme or path)',
      'f.yaml:7:9: stages[0].hosts[2]: "shop.localhost:8080" is not a host name: leave out the port (the stage answers on its own port)',
      'f.yaml:8:9: stages[0].hosts[3]: "Shop.Test" must be lower case (host names compare without case; write shop.test)',
      'f.yaml:9:9: stages[0].hosts[4]: "*.shop.test" is not a host name: wildcards are not supported; list each name',
      'f.yaml:10:9: stages[0].hosts[5]: "shop..test" is not a host name: use letters, digits and hyphens between dots, such as shop.localhost',
    ]);
  });

  it('`hosts:` on an AWS stage is a warning: only local stages read it', () => {
    const parsed = parseStackFile('stack: shop\nstages:\n  - name: prod\n    provider: aws\n    hosts: [shop.localhost]\n', 'f.yaml', schema());
    assert.deepEqual(parsed.problems.map(p => `${p.severity} ${formatProblem(p)}`), ['warning f.yaml:5:5: stages[0].hosts: only local stages use "hosts"; this stage\'s provider is "aws"']);
  });
});
