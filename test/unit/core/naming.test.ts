import * as assert from 'node:assert/strict';
import { isProtectedByDefault, nameProblem, slugifyStageName, stageStackName } from '../../../src/core/naming';

describe('naming', () => {
  it('joins stack and stage into the CloudFormation stack name', () => {
    assert.equal(stageStackName('shop', 'dev'), 'shop-dev');
  });

  it('accepts names CloudFormation accepts', () => {
    for (const name of ['dev', 'Dev2', 'jane-doe', 'a', 'A-1-b']) assert.equal(nameProblem(name, 'stage'), undefined, name);
  });

  it('refuses other names, saying why', () => {
    assert.equal(nameProblem('', 'stack'), 'a stack name cannot be empty');
    assert.equal(nameProblem('2dev', 'stage'), '"2dev" is not a valid stage name: start with a letter, then use only letters, digits and hyphens');
    for (const name of ['-dev', 'dev_1', 'dev.1', 'dév', 'dev 1', 'dev/1']) assert.match(nameProblem(name, 'stage') ?? '', /is not a valid stage name: start with a letter/, name);
    assert.equal(nameProblem('dev-', 'stage'), '"dev-" is not a valid stage name: it cannot end with a hyphen');
  });

  it('protects prod and production by default, in any case, and nothing else', () => {
    for (const name of ['prod', 'Prod', 'PRODUCTION', 'production']) assert.equal(isProtectedByDefault(name), true, name);
    for (const name of ['preprod', 'prod2', 'products', 'dev']) assert.equal(isProtectedByDefault(name), false, name);
  });

  it('slugifies git user names and e-mails into stage names', () => {
    assert.equal(slugifyStageName('Jane Doe'), 'jane-doe');
    assert.equal(slugifyStageName('jane.doe@example.com'), 'jane-doe');
    assert.equal(slugifyStageName('shentonfreude'), 'shentonfreude');
    assert.equal(slugifyStageName('  O\'Brien, Pat  '), 'o-brien-pat');
    assert.equal(slugifyStageName('42 Jane'), 'jane', 'a stage name starts with a letter');
    assert.equal(slugifyStageName(''), 'dev');
    assert.equal(slugifyStageName('---'), 'dev');
    for (const raw of ['Jane Doe', 'x_y.z@q', '9 lives']) assert.equal(nameProblem(slugifyStageName(raw), 'stage'), undefined, raw);
  });
});
