import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { closeAllEditors, readText, restoreText, stackFileOf, stagecraftApi, waitFor, workspaceFolder } from '../support';

/** Fake values assembled at run time, so that this file itself holds nothing a scanner flags. */
const FAKE_KEY_ID = ['AK', 'IA', 'QZT4FAKEKEY7X2LM'].join('');
const FAKE_TOKEN = ['Fk', '9xQ2mVw7LpZr'].join('');
const SOURCE = 'stagecraft secrets';

function secretDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter(d => d.source === SOURCE);
}

async function codeActions(uri: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  return (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, range)) ?? [];
}

/** Runs a code action as the light bulb does: its edit, then its command. */
async function apply(action: vscode.CodeAction): Promise<void> {
  if (action.edit) assert.ok(await vscode.workspace.applyEdit(action.edit));
  if (action.command) await vscode.commands.executeCommand(action.command.command, ...(action.command.arguments ?? []));
}

function cfnLintInstalled(): boolean {
  try {
    execFileSync('cfn-lint', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('secret scanning in the editor', () => {
  const folder = () => workspaceFolder('basic');

  before(async () => {
    await stagecraftApi();
  });
  afterEach(closeAllEditors);

  it('saving a file with a secret shows an error diagnostic on exactly the secret, and "Ignore this line" clears it', async () => {
    const uri = vscode.Uri.joinPath(folder().uri, 'src', 'settings.ts');
    await fs.mkdir(path.dirname(uri.fsPath), { recursive: true });
    await fs.writeFile(uri.fsPath, 'export const settings = {\n  region: "eu-west-1",\n};\n');
    try {
      const editor = await vscode.window.showTextDocument(uri);
      assert.deepEqual(secretDiagnostics(uri), []);
      await editor.edit(b => b.insert(new vscode.Position(2, 0), `  accessKeyId: "${FAKE_KEY_ID}",\n`));
      assert.deepEqual(secretDiagnostics(uri), [], 'typing alone does not scan');
      await editor.document.save();

      const [d] = await waitFor('a secret diagnostic after save', () => secretDiagnostics(uri).length > 0 && secretDiagnostics(uri));
      assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
      const start = new vscode.Position(2, '  accessKeyId: "'.length);
      assert.ok(d.range.isEqual(new vscode.Range(start, start.translate(0, FAKE_KEY_ID.length))), `range ${JSON.stringify(d.range)}`);
      assert.equal(editor.document.getText(d.range), FAKE_KEY_ID);
      assert.equal(typeof d.code === 'object' ? d.code.value : d.code, '@secretlint/secretlint-rule-aws');
      assert.ok(!d.message.includes(FAKE_KEY_ID), 'the message masks the key');

      const actions = await codeActions(uri, d.range);
      // A literal in source: moving it to a stage secret comes first (oneOffs.test.ts runs it), ignoring it last.
      assert.equal(actions.filter(a => a.title.startsWith('Move'))[0]?.title, 'Move to a stage secret and read it from the environment');
      const ignore = actions.find(a => a.title.startsWith('Ignore this line'));
      assert.ok(ignore, `actions: ${actions.map(a => a.title).join(', ')}`);
      await apply(ignore);
      assert.equal(editor.document.lineAt(2).text, '  // secretlint-disable-next-line');
      await waitFor('the diagnostic to go once the line is ignored', () => secretDiagnostics(uri).length === 0);
    } finally {
      await closeAllEditors();
      await fs.rm(path.dirname(uri.fsPath), { recursive: true, force: true });
    }
  });

  it('"Move to a stage secret" on a stagecraft.yaml value stores it with the provider, or changes nothing and says why', async () => {
    const api = await stagecraftApi();
    const stackFile = stackFileOf(folder());
    const original = await readText(stackFile);
    const withSecret = original.replace('      LOG_LEVEL: debug\n', `      LOG_LEVEL: debug\n      API_TOKEN: ${FAKE_TOKEN}\n`);
    assert.notEqual(withSecret, original, 'the fixture has the dev env this test extends');
    try {
      const document = await vscode.workspace.openTextDocument(stackFile);
      const editor = await vscode.window.showTextDocument(document);
      await editor.edit(b => b.replace(new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), withSecret));
      await document.save();
      const [d] = await waitFor('a diagnostic on the API_TOKEN value', () => secretDiagnostics(stackFile).length > 0 && secretDiagnostics(stackFile));
      assert.equal(document.getText(d.range), FAKE_TOKEN);

      const move = (await codeActions(stackFile, d.range)).find(a => a.title === 'Move API_TOKEN to a stage secret');
      assert.ok(move?.command, 'the quick fix is offered');
      // The command wrapper reports a failure before the command's promise settles.
      let error: { kind: string; message: string } | undefined;
      const subscription = api.onDidReportError(e => {
        if (e.command === move.command?.command) error = e;
      });
      try {
        await vscode.commands.executeCommand(move.command.command, ...(move.command.arguments ?? []));
      } finally {
        subscription.dispose();
      }
      const after = await readText(stackFile);
      console.log(`      (Move to a stage secret: ${error ? `refused: ${error.message}` : 'stored by the provider'})`);
      if (error) {
        // No provider that can keep secrets in this build: nothing may change, anywhere.
        assert.equal(error.kind, 'unavailable', error.message);
        assert.match(error.message, /Nothing was changed/);
        assert.equal(after, withSecret);
      } else {
        assert.match(after, /API_TOKEN: \{ secret: API_TOKEN \}/);
        assert.ok(!after.includes(FAKE_TOKEN), 'the value left stagecraft.yaml');
        await waitFor('the diagnostic to go once the value moved', () => secretDiagnostics(stackFile).length === 0);
      }
    } finally {
      await closeAllEditors();
      await restoreText(stackFile, original);
    }
  });

  it('Install Pre-commit Hook from VS Code writes a hook that blocks a secret commit without VS Code', async function () {
    this.timeout(60_000);
    const root = folder().uri.fsPath;
    const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' };
    execFileSync('git', ['init', '-q'], { cwd: root, env });
    try {
      await vscode.commands.executeCommand('stagecraft.installPrecommitHook', folder().uri);
      const hook = path.join(root, '.git', 'hooks', 'pre-commit');
      await waitFor('the hook file', () => fs.stat(hook).then(() => true, () => false));
      const recorded = await fs.readFile(path.join(root, '.git', 'stagecraft', 'hook.env'), 'utf8');
      assert.match(recorded, /STAGECRAFT_CLI='.*\/dist\/cli\.js'/);

      await fs.writeFile(path.join(root, 'creds.ini'), `[default]\naws_access_key_id = ${FAKE_KEY_ID}\n`);
      execFileSync('git', ['add', 'creds.ini'], { cwd: root, env });
      // A plain git process, as from a terminal: VS Code plays no part in running the hook.
      const r = spawnSync('git', ['commit', '-m', 'add credentials'], { cwd: root, env, encoding: 'utf8' });
      assert.notEqual(r.status, 0, `${r.stdout}${r.stderr}`);
      assert.match(`${r.stdout}${r.stderr}`, /creds\.ini:2:21 {2}@secretlint\/secretlint-rule-aws/);
      assert.match(r.stderr, /git commit --no-verify/);
    } finally {
      await fs.rm(path.join(root, '.git'), { recursive: true, force: true });
      await fs.rm(path.join(root, 'creds.ini'), { force: true });
    }
  });

  it('lints a CloudFormation template under templates/ with cfn-lint on save', async function () {
    if (!cfnLintInstalled()) this.skip();
    this.timeout(60_000);
    const uri = vscode.Uri.joinPath(folder().uri, 'templates', 'bucket.yaml');
    await fs.mkdir(path.dirname(uri.fsPath), { recursive: true });
    await fs.writeFile(uri.fsPath, 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketNam: shop\n');
    try {
      await vscode.window.showTextDocument(uri);
      const problems = await waitFor(
        'a cfn-lint diagnostic',
        () => {
          const found = vscode.languages.getDiagnostics(uri).filter(d => d.source === 'cfn-lint');
          return found.length > 0 && found;
        },
        { timeoutMs: 30_000 },
      );
      const e = problems.find(p => (typeof p.code === 'object' ? p.code.value : p.code) === 'E3002');
      assert.ok(e, problems.map(p => p.message).join('; '));
      assert.equal(e.range.start.line, 5);
    } finally {
      await closeAllEditors();
      await fs.rm(path.dirname(uri.fsPath), { recursive: true, force: true });
    }
  });
});
