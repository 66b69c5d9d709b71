import * as assert from 'node:assert/strict';
import { newStageProblem, StackFileEditor } from '../../../../src/core/config/edit';
import { parseStackFile } from '../../../../src/core/config/load';
import { StagecraftError } from '../../../../src/core/errors';
import type { Stack } from '../../../../src/core/model';
import { commentLines, lineDiff, type Hunk } from '../support/lineDiff';
import { readFixture } from '../support/repoRoot';

/**
 * The round trip the foundation issue asks for: a commented file with odd spacing is edited
 * and a line diff shows that only the edited lines changed and every comment survived.
 * Line numbers below are those of test/fixtures/stackfiles/commented.yaml.
 */
const COMMENTED = readFixture('stackfiles', 'commented.yaml');
const FOUR_SPACE = readFixture('stackfiles', 'four-space.yaml');

function edit(text: string, change: (e: StackFileEditor) => void): string {
  const editor = new StackFileEditor(text);
  change(editor);
  return editor.toString();
}

function stackOf(text: string): Stack {
  const r = parseStackFile(text, '/app/stagecraft.yaml');
  assert.deepEqual(r.problems, [], 'the edited file must still be valid');
  assert.ok(r.stack);
  return r.stack;
}

/** Edits the fixture, checks the exact line diff, that every comment line is still there (bar `lost`), and that the result parses. */
function roundTrip(text: string, change: (e: StackFileEditor) => void, expected: Hunk[], lost: string[] = []): Stack {
  const after = edit(text, change);
  assert.deepEqual(lineDiff(text, after), expected);
  const kept = commentLines(after);
  for (const line of commentLines(text)) {
    if (lost.includes(line)) continue;
    const survivor = expected.flatMap(h => h.added).find(a => a.endsWith(line.slice(line.indexOf('#'))));
    assert.ok(kept.includes(line) || survivor !== undefined, `comment lost: ${line}`);
  }
  return stackOf(after);
}

describe('config/edit: round trip of a commented file', () => {
  it('the fixture is valid to begin with', () => {
    assert.deepEqual(
      stackOf(COMMENTED).stages.map(s => s.name),
      ['dev', 'test', 'prod'],
    );
  });

  it('addStage at the end: after the last stage, before the trailing comment, blank-line separated like the others', () => {
    const stack = roundTrip(COMMENTED, e => e.addStage({ name: 'staging', provider: 'local' }), [
      { line: 33, removed: [], added: ['', '- name: staging', '  provider: local', '  requireApproval: false'] },
    ]);
    assert.deepEqual(stack.stages.map(s => s.name), ['dev', 'test', 'prod', 'staging']);
  });

  it('addStage after a stage, with every field', () => {
    const stack = roundTrip(
      COMMENTED,
      e =>
        e.addStage({
          name: 'staging',
          provider: 'aws',
          options: { region: 'us-east-1', profile: 'shop', loadBalancer: true },
          database: 'postgres',
          requireApproval: true,
          branches: ['release/*'],
          after: 'dev',
        }),
      [
        {
          line: 21,
          removed: [],
          added: [
            '- name: staging',
            '  provider: aws',
            '  region: us-east-1',
            '  profile: shop',
            '  database: postgres',
            '  requireApproval: true',
            '  loadBalancer: true',
            '  branches:',
            '  - release/*',
            '',
          ],
        },
      ],
    );
    assert.deepEqual(stack.stages.map(s => s.name), ['dev', 'staging', 'test', 'prod']);
    assert.deepEqual(stack.stages[1].branches, ['release/*']);
  });

  it('addStage first', () => {
    const stack = roundTrip(COMMENTED, e => e.addStage({ name: 'sandbox', provider: 'local', first: true }), [
      { line: 14, removed: [], added: ['- name: sandbox', '  provider: local', '  requireApproval: false', ''] },
    ]);
    assert.deepEqual(stack.stages.map(s => s.name), ['sandbox', 'dev', 'test', 'prod']);
  });

  it('addStage writes only the options it is given (a local stage has none)', () => {
    roundTrip(COMMENTED, e => e.addStage({ name: 'qa', provider: 'local' }), [
      { line: 33, removed: [], added: ['', '- name: qa', '  provider: local', '  requireApproval: false'] },
    ]);
  });

  it('setEnv on a stage without env creates the map', () => {
    const stack = roundTrip(COMMENTED, e => e.setEnv('test', 'FEATURE_FLAGS', 'a,b'), [
      { line: 28, removed: [], added: ['  env:', '    FEATURE_FLAGS: a,b'] },
    ]);
    assert.deepEqual(stack.stages[1].env, { FEATURE_FLAGS: 'a,b' });
  });

  it('setEnv in an existing map: a changed value keeps its comment and spacing, a secret ref is one line', () => {
    const stack = roundTrip(
      COMMENTED,
      e => {
        e.setEnv('dev', 'LOG_LEVEL', 'info');
        e.setEnv('dev', 'DB_PASSWORD', { secret: 'shop-dev-db' });
      },
      [
        { line: 17, removed: ['    LOG_LEVEL: debug     # noisy on purpose'], added: ['    LOG_LEVEL: info     # noisy on purpose'] },
        { line: 19, removed: [], added: ['    DB_PASSWORD: { secret: shop-dev-db }'] },
      ],
    );
    assert.deepEqual(stack.stages[0].env, { LOG_LEVEL: 'info', API_KEY: { secret: 'shop-api-key' }, DB_PASSWORD: { secret: 'shop-dev-db' } });
  });

  it('setEnv quotes values YAML would otherwise read as something else', () => {
    const after = edit(COMMENTED, e => {
      e.setEnv('test', 'ENABLED', 'true');
      e.setEnv('test', 'CODE', '0123');
      e.setEnv('test', 'NOTE', 'a: b # not a comment');
      e.setEnv('test', 'EMPTY', '');
    });
    assert.deepEqual(stackOf(after).stages[1].env, { ENABLED: 'true', CODE: '0123', NOTE: 'a: b # not a comment', EMPTY: '' });
  });

  it('unsetEnv removes only that line', () => {
    const stack = roundTrip(COMMENTED, e => assert.equal(e.unsetEnv('dev', 'LOG_LEVEL'), true), [{ line: 17, removed: ['    LOG_LEVEL: debug     # noisy on purpose'], added: [] }], [
      '    LOG_LEVEL: debug     # noisy on purpose',
    ]);
    assert.deepEqual(stack.stages[0].env, { API_KEY: { secret: 'shop-api-key' } });
  });

  it('unsetEnv of a missing variable changes nothing', () => {
    const editor = new StackFileEditor(COMMENTED);
    assert.equal(editor.unsetEnv('dev', 'NOPE'), false);
    assert.equal(editor.unsetEnv('test', 'NOPE'), false, 'a stage without env');
    assert.equal(editor.toString(), COMMENTED);
  });

  it('addOrigin to a flow list keeps it a flow list with its own bracket spacing', () => {
    const stack = roundTrip(COMMENTED, e => assert.equal(e.addOrigin('dev', 'https://app.example.com'), true), [
      {
        line: 19,
        removed: ['  origins: [http://localhost:3000, "http://127.0.0.1:3000"]'],
        added: ['  origins: [http://localhost:3000, "http://127.0.0.1:3000", https://app.example.com]'],
      },
    ]);
    assert.deepEqual(stack.stages[0].origins, ['http://localhost:3000', 'http://127.0.0.1:3000', 'https://app.example.com']);
  });

  it('addOrigin to a block list appends one line at the list indentation', () => {
    roundTrip(COMMENTED, e => e.addOrigin('test', 'https://new.example.com'), [{ line: 28, removed: [], added: ['  - https://new.example.com'] }]);
  });

  it('addOrigin to a stage without origins creates the list', () => {
    const stack = roundTrip(COMMENTED, e => e.addOrigin('prod', 'https://shop.example.com'), [
      { line: 33, removed: [], added: ['  origins:', '  - https://shop.example.com'] },
    ]);
    assert.deepEqual(stack.stages[2].origins, ['https://shop.example.com']);
  });

  it('addOrigin of an origin already listed changes nothing', () => {
    const editor = new StackFileEditor(COMMENTED);
    assert.equal(editor.addOrigin('test', 'https://qa.example.com'), false);
    assert.equal(editor.toString(), COMMENTED);
  });

  it('removeOrigin from a block list removes the item and its own comment only', () => {
    const stack = roundTrip(
      COMMENTED,
      e => assert.equal(e.removeOrigin('test', 'https://test.example.com'), true),
      [{ line: 26, removed: ['  - https://test.example.com   # the QA site'], added: [] }],
      ['  - https://test.example.com   # the QA site'],
    );
    assert.deepEqual(stack.stages[1].origins, ['https://qa.example.com']);
  });

  it('removeOrigin from a flow list', () => {
    roundTrip(COMMENTED, e => e.removeOrigin('dev', 'http://localhost:3000'), [
      { line: 19, removed: ['  origins: [http://localhost:3000, "http://127.0.0.1:3000"]'], added: ['  origins: ["http://127.0.0.1:3000"]'] },
    ]);
  });

  it('removeOrigin of an origin not listed changes nothing', () => {
    const editor = new StackFileEditor(COMMENTED);
    assert.equal(editor.removeOrigin('dev', 'https://other.example.com'), false);
    assert.equal(editor.removeOrigin('prod', 'https://other.example.com'), false, 'a stage without origins');
    assert.equal(editor.toString(), COMMENTED);
  });

  it('setStageField replaces a value keeping its comment, or adds the key', () => {
    const stack = roundTrip(
      COMMENTED,
      e => {
        e.setStageField('prod', 'requireApproval', false);
        e.setStageField('test', 'loadBalancer', true);
      },
      [
        { line: 28, removed: [], added: ['  loadBalancer: true'] },
        { line: 32, removed: ['  requireApproval: true    # a person approves'], added: ['  requireApproval: false    # a person approves'] },
      ],
    );
    assert.equal(stack.stages[2].requireApproval, false);
    assert.equal(stack.stages[1].loadBalancer, true);
  });

  it('several edits at once touch only their own lines', () => {
    roundTrip(
      COMMENTED,
      e => {
        e.addStage({ name: 'qa', provider: 'local', after: 'test' });
        e.setEnv('prod', 'REGION_HINT', 'eu');
        e.unsetEnv('dev', 'LOG_LEVEL');
      },
      [
        { line: 17, removed: ['    LOG_LEVEL: debug     # noisy on purpose'], added: [] },
        { line: 29, removed: [], added: ['- name: qa', '  provider: local', '  requireApproval: false', ''] },
        { line: 33, removed: [], added: ['  env:', '    REGION_HINT: eu'] },
      ],
      ['    LOG_LEVEL: debug     # noisy on purpose'],
    );
  });

  it('an editor with no edits returns the text unchanged', () => {
    assert.equal(new StackFileEditor(COMMENTED).toString(), COMMENTED);
  });
});

describe('config/edit: files indented their own way', () => {
  it('four-space indentation with `-   ` items: new lines line up with their neighbours', () => {
    const stack = roundTrip(
      FOUR_SPACE,
      e => {
        e.setEnv('dev', 'LOG_LEVEL', 'info');
        e.addOrigin('dev', 'http://localhost:4000');
        e.setEnv('prod', 'A', 'b');
      },
      [
        { line: 7, removed: ['            LOG_LEVEL: debug   # quiet later'], added: ['            LOG_LEVEL: info   # quiet later'] },
        { line: 10, removed: [], added: ['            - http://localhost:4000'] },
        { line: 12, removed: [], added: ['        env:', '            A: b'] },
      ],
    );
    assert.deepEqual(stack.stages[1].env, { A: 'b' });
  });

  it('four-space indentation: a new stage takes the `-   name:` form', () => {
    const stack = roundTrip(FOUR_SPACE, e => e.addStage({ name: 'test', provider: 'local', after: 'dev', branches: ['release/*'] }), [
      {
        line: 10,
        removed: [],
        added: ['    -   name: test', '        provider: local', '        requireApproval: false', '        branches:', '            - release/*'],
      },
    ]);
    assert.deepEqual(stack.stages.map(s => s.name), ['dev', 'test', 'prod']);
  });

  it('indented sequences (`  - name:`) stay indented', () => {
    const text = 'stack: shop   # name\n\n# stages\nstages:\n  - name: dev\n    provider: local   # here\n  - name: prod\n    provider: local\n';
    roundTrip(text, e => e.addStage({ name: 'test', provider: 'local', after: 'dev' }), [
      { line: 7, removed: [], added: ['  - name: test', '    provider: local', '    requireApproval: false'] },
    ]);
  });

  it('`stages: []` grows into a block list; a missing or empty `stages:` is created', () => {
    const expected = 'stages:\n  - name: dev\n    provider: local\n    requireApproval: false\n';
    assert.equal(edit('stack: shop # x\nstages: []\n', e => e.addStage({ name: 'dev', provider: 'local' })), `stack: shop # x\n${expected}`);
    assert.equal(edit('# c\nstack: shop # x\n', e => e.addStage({ name: 'dev', provider: 'local' })), `# c\nstack: shop # x\n${expected}`);
    assert.equal(edit('# c\nstack: shop # x\nstages:\n', e => e.addStage({ name: 'dev', provider: 'local' })), `# c\nstack: shop # x\n${expected}`);
  });

  it('`env:` left empty with a comment keeps the comment', () => {
    const after = edit('stack: s\nstages:\n  - name: a\n    env:   # later\n', e => e.setEnv('a', 'X', 'y'));
    assert.equal(after, 'stack: s\nstages:\n  - name: a\n    env:\n      # later\n      X: y\n');
  });

  it('directives and document markers stay where they are', () => {
    const text = '%YAML 1.2\n---\n# top\nstack: s\nstages:\n  - name: dev\n    env: {A: "1"}   # flow env\n  - name: prod\n...\n';
    roundTrip(text, e => e.addStage({ name: 'qa', provider: 'local', after: 'dev' }), [
      { line: 8, removed: [], added: ['  - name: qa', '    provider: local', '    requireApproval: false'] },
    ]);
    roundTrip(text, e => e.setEnv('dev', 'B', '2'), [{ line: 7, removed: ['    env: {A: "1"}   # flow env'], added: ['    env: {A: "1", B: "2"}   # flow env'] }]);
  });

  it('a layout the line carrying cannot follow (`-` alone on its line) is printed whole: valid, edited, comments kept', () => {
    const text = 'stack: s   # name\nstages:\n-\n  name: dev   # d\n  provider: local\n-\n  name: prod\n';
    const after = edit(text, e => e.addStage({ name: 'qa', provider: 'local', after: 'dev' }));
    assert.equal(after, 'stack: s # name\nstages:\n  - name: dev # d\n    provider: local\n  - name: qa\n    provider: local\n    requireApproval: false\n  - name: prod\n');
    assert.deepEqual(stackOf(after).stages.map(s => s.name), ['dev', 'qa', 'prod']);
    assert.equal(edit(text.replace(/\n/g, '\r\n'), e => e.addStage({ name: 'qa', provider: 'local', after: 'dev' })), after.replace(/\n/g, '\r\n'));
  });

  it('a multi-line flow list next to an edit is rewritten on one line, still valid', () => {
    const text = 'stack: s\nstages:\n  - name: dev\n    origins: [\n      "http://localhost:1",\n      "http://localhost:2"\n    ]\n  - name: prod\n';
    const after = edit(text, e => e.addOrigin('dev', 'https://a.example.com'));
    assert.deepEqual(lineDiff(text, after), [
      {
        line: 4,
        removed: ['    origins: [', '      "http://localhost:1",', '      "http://localhost:2"', '    ]'],
        added: ['    origins: [ "http://localhost:1", "http://localhost:2", https://a.example.com ]'],
      },
    ]);
  });

  it('a file without a final newline gets the edit and a newline', () => {
    assert.equal(
      edit('stack: shop\nstages:\n  - name: dev\n    provider: local', e => e.setStageField('dev', 'database', 'postgres')),
      'stack: shop\nstages:\n  - name: dev\n    provider: local\n    database: postgres\n',
    );
  });
});

describe('config/edit: CRLF files', () => {
  const crlf = COMMENTED.replace(/\n/g, '\r\n');
  const cases: Array<[string, (e: StackFileEditor) => void]> = [
    ['addStage after', e => e.addStage({ name: 'staging', provider: 'local', after: 'dev' })],
    ['setEnv', e => e.setEnv('dev', 'LOG_LEVEL', 'info')],
    ['addOrigin', e => e.addOrigin('test', 'https://new.example.com')],
    ['removeOrigin', e => e.removeOrigin('dev', 'http://localhost:3000')],
  ];
  for (const [name, change] of cases) {
    it(`${name}: CRLF everywhere, the same lines as the LF edit`, () => {
      const after = edit(crlf, change);
      assert.doesNotMatch(after, /[^\r]\n/, 'every line ends with CRLF');
      assert.equal(after, edit(COMMENTED, change).replace(/\n/g, '\r\n'));
      assert.notEqual(after, crlf);
    });
  }
});

describe('config/edit: refusals', () => {
  const stack = stackOf(COMMENTED);

  function rejects(change: (e: StackFileEditor) => void, message: RegExp): void {
    const editor = new StackFileEditor(COMMENTED);
    assert.throws(
      () => change(editor),
      (err: unknown) => err instanceof StagecraftError && err.kind === 'input' && message.test(err.message),
    );
    assert.equal(editor.toString(), COMMENTED, 'a refused edit changes nothing');
  }

  it('a duplicate or invalid stage name when the stack is given', () => {
    rejects(e => e.addStage({ name: 'Dev', provider: 'local' }, stack), /^stack "shop" already has a stage named "Dev"$/);
    rejects(e => e.addStage({ name: 'my_stage', provider: 'local' }, stack), /"my_stage" is not a valid stage name/);
  });

  it('after a stage that does not exist', () => {
    rejects(e => e.addStage({ name: 'qa', provider: 'local', after: 'nope' }), /has no stage named "nope"/);
  });

  it('edits of a stage that does not exist', () => {
    rejects(e => e.setEnv('nope', 'A', 'b'), /stagecraft\.yaml has no stage named "nope"\./);
    rejects(e => e.addOrigin('nope', 'https://a.example.com'), /has no stage named "nope"/);
  });

  it('bad variable names and origins', () => {
    rejects(e => e.setEnv('dev', '1BAD', 'x'), /"1BAD" is not a valid environment variable name/);
    rejects(e => e.setEnv('dev', 'PORT', '80'), /"PORT" is set by Stagecraft for every stage/);
    rejects(e => e.addOrigin('dev', 'https://a.example.com/path'), /is not an origin: expected scheme:\/\/host\[:port\]/);
  });

  it('env or origins of the wrong shape', () => {
    const text = 'stack: s\nstages:\n  - name: a\n    env: [x]\n    origins: {a: b}\n';
    assert.throws(() => new StackFileEditor(text).setEnv('a', 'X', 'y'), /stage "a" has "env" that is not a mapping; fix it by hand first/);
    assert.throws(() => new StackFileEditor(text).addOrigin('a', 'https://a.example.com'), /stage "a" has "origins" that is not a list/);
  });

  it('a file with YAML syntax errors, or whose stages is not a list', () => {
    assert.throws(
      () => new StackFileEditor('stack: [a\n', '/app/stagecraft.yaml'),
      (err: unknown) => err instanceof StagecraftError && err.kind === 'input' && err.message === '/app/stagecraft.yaml has YAML syntax errors; fix them before editing it from Stagecraft.',
    );
    assert.throws(() => new StackFileEditor('stack: s\nstages: dev\n').addStage({ name: 'a', provider: 'local' }), /"stages" must be a list/);
    assert.throws(() => new StackFileEditor('- a\n').addStage({ name: 'a', provider: 'local' }), /is not a mapping/);
  });
});

describe('config/edit: newStageProblem', () => {
  it('accepts a fresh valid name and explains each refusal', () => {
    const stack = { name: 'shop', stages: stackOf(COMMENTED).stages };
    assert.equal(newStageProblem(stack, 'staging'), undefined);
    assert.equal(newStageProblem(stack, 'TEST'), 'stack "shop" already has a stage named "TEST"');
    assert.equal(newStageProblem(stack, '9lives'), '"9lives" is not a valid stage name: start with a letter, then use only letters, digits and hyphens');
  });
});
