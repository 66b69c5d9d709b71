import * as assert from 'node:assert/strict';
import { envNameProblem, RESERVED_ENV_NAMES } from '../../../src/core/env';

describe('env names', () => {
  it('accepts shell-style names', () => {
    for (const name of ['A', 'LOG_LEVEL', '_PRIVATE', 'db2_host', 'port']) assert.equal(envNameProblem(name), undefined, name);
  });

  it('refuses names a shell or ECS would not take', () => {
    for (const name of ['1A', 'A-B', 'A B', 'A.B', '', 'É']) {
      assert.equal(envNameProblem(name), `"${name}" is not a valid environment variable name: use letters, digits and underscores, not starting with a digit`, name);
    }
  });

  it('refuses the names Stagecraft sets for every stage', () => {
    assert.deepEqual([...RESERVED_ENV_NAMES], ['PORT', 'COMMIT_HASH', 'STAGE_NAME']);
    for (const name of RESERVED_ENV_NAMES) assert.equal(envNameProblem(name), `"${name}" is set by Stagecraft for every stage and cannot be overridden`);
  });
});
