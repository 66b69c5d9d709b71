import * as assert from 'node:assert/strict';
import { StagecraftError, throwIfAborted, toStagecraftError } from '../../../src/core/errors';
import { formatFieldPath, formatProblem, type Problem } from '../../../src/core/problems';
import { closest, editDistance } from '../../../src/core/suggest';

describe('problems, suggestions and errors', () => {
  const problem: Problem = { file: 'stagecraft.yaml', line: 3, column: 5, endLine: 3, endColumn: 9, field: 'stages[0].name', message: 'bad', severity: 'error' };

  it('formats a problem as file:line:column: field: message', () => {
    assert.equal(formatProblem(problem), 'stagecraft.yaml:3:5: stages[0].name: bad');
    assert.equal(formatProblem({ ...problem, field: '' }), 'stagecraft.yaml:3:5: bad');
    assert.equal(formatFieldPath(['stages', 1, 'env', 'A']), 'stages[1].env.A');
    assert.equal(formatFieldPath([]), '');
  });

  it('suggests the closest key only when it is a likely typo', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(closest('provder', ['name', 'provider', 'profile']), 'provider');
    assert.equal(closest('Stagse', ['stack', 'stages']), 'stages');
    assert.equal(closest('colour', ['name', 'provider', 'profile']), undefined);
  });

  it('wraps anything thrown, keeping the cause; abort becomes cancelled', () => {
    const cause = new Error('boom');
    const wrapped = toStagecraftError(cause);
    assert.equal(wrapped.message, 'boom');
    assert.equal(wrapped.cause, cause);
    assert.equal(wrapped.kind, 'failure');
    const same = new StagecraftError('x', { kind: 'input', hint: 'h' });
    assert.equal(toStagecraftError(same), same);
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    assert.equal(toStagecraftError(abort).cancelled, true);
    const controller = new AbortController();
    assert.doesNotThrow(() => throwIfAborted(controller.signal));
    controller.abort();
    assert.throws(() => throwIfAborted(controller.signal, 'Deploy of dev'), (e: unknown) => e instanceof StagecraftError && e.cancelled && e.message === 'Deploy of dev was cancelled.');
  });
});
