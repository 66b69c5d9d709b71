import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseStackFile } from '../../../src/core/config/load';
import type { Stage } from '../../../src/core/model';
import type { OpenedPanel } from '../../../src/ui/panels';
import type { StageNode } from '../../../src/ui/tree';
import { childrenOf, readText, restoreText, roots, shown, stackFileOf, stagecraftApi, waitFor, waitForStages, workspaceFolder } from '../support';
import { closeAllDiscarding, onPage, pageActionsServed } from './panelsPage';

/**
 * The panels in the real VS Code. Tests marked "page" type and click inside the webview through
 * the launcher's playwright (panels-ui.mjs); without it they are skipped and say so.
 */

const STACK_ID = 'stack/shop-api';
/** File watchers and tree refreshes on a shared, busy machine. */
const SLOW = { timeoutMs: 30_000 };

async function stageNode(name: string): Promise<StageNode> {
  const api = await stagecraftApi();
  return waitFor(
    `stage ${name} in the tree`,
    async () => {
      const stack = (await roots(api)).find(n => n.id === STACK_ID);
      const stages = stack ? await childrenOf(api, stack) : [];
      return stages.find((n): n is StageNode => n.kind === 'stage' && n.stage.name === name);
    },
    SLOW,
  );
}

function webviewTabs(kind: string): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap(g => g.tabs).filter(t => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes(`stagecraft.panel.${kind}`));
}

async function open(command: string, arg: unknown): Promise<OpenedPanel> {
  const opened = await vscode.commands.executeCommand<OpenedPanel>(command, arg);
  assert.ok(opened && typeof opened.key === 'string', `${command} opened a panel`);
  await opened.interactive;
  return opened;
}

function stageOf(text: string, file: vscode.Uri, name: string): Stage | undefined {
  return parseStackFile(text, file.fsPath).stack?.stages.find(s => s.name === name);
}

describe('Panels', function () {
  // Page steps go through playwright outside the editor; on a shared two-core machine they take a while.
  this.timeout(120_000);
  let file: vscode.Uri;
  let original: string;
  let dockerfile: string;
  let originalDockerfile: string;

  before(async () => {
    file = stackFileOf(workspaceFolder('basic'));
    original = await readText(file);
    dockerfile = path.join(workspaceFolder('basic').uri.fsPath, 'Dockerfile');
    originalDockerfile = await fs.readFile(dockerfile, 'utf8');
  });

  afterEach(async () => {
    await closeAllDiscarding();
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  after(async () => {
    await restoreText(file, original);
    await fs.writeFile(dockerfile, originalDockerfile);
    await waitForStages(await stagecraftApi(), STACK_ID, ['dev', 'test', 'prod'], SLOW.timeoutMs);
  });

  describe('Add Stage form', () => {
    afterEach(async () => {
      await restoreText(file, original);
      await waitForStages(await stagecraftApi(), STACK_ID, ['dev', 'test', 'prod'], SLOW.timeoutMs);
    });

    it('page: typing a taken name shows the core rule inline; a new name, typed and clicked in the frame, is written after dev and shown in the tree', async function () {
      if (!pageActionsServed()) this.skip();
      const api = await stagecraftApi();
      const stack = (await roots(api)).find(n => n.id === STACK_ID);
      await open('stagecraft.addStage', stack);
      await onPage('addStage', [
        { waitFor: '#name' },
        { type: '#name input', text: 'dev' },
        { waitForText: '#name-message', text: 'already has a stage named "dev"' },
        { screenshot: 'add-stage-invalid-name' },
        { fill: '#name input', value: '' },
        { type: '#name input', text: 'qa' },
        { click: '#position' },
        { click: 'vscode-option[value="after:dev"]' },
        { click: '#requireApproval' },
        { type: '#branches input', text: 'release/*' },
        { screenshot: 'add-stage' },
        { click: '#create' },
      ]);
      await waitFor('qa in stagecraft.yaml', async () => stageOf(await readText(file), file, 'qa'), SLOW);
      const text = await readText(file);
      const parsed = parseStackFile(text, file.fsPath);
      assert.deepEqual(parsed.stack?.stages.map(s => s.name), ['dev', 'qa', 'test', 'prod']);
      const qa = parsed.stack!.stages[1];
      assert.equal(qa.requireApproval, true);
      assert.deepEqual(qa.branches, ['release/*']);
      assert.ok(text.includes('provider: local   # runs on this machine'), 'comments survive');
      const stages = await waitForStages(api, STACK_ID, ['dev', 'qa', 'test', 'prod'], SLOW.timeoutMs);
      assert.match(shown(api, stages[1]).tooltip, /^\*\*qa\*\* \(local\)/);
      await waitFor('the form to close after Create', () => webviewTabs('addStage').length === 0, SLOW);
    });

    it('page: keyboard alone: the name field has focus, Tab reaches every control in order, Enter creates the stage', async function () {
      if (!pageActionsServed()) this.skip();
      await open('stagecraft.addStage', undefined);
      const seen = await onPage('addStage', [
        { waitFor: '#name' },
        // VS Code gives the webview keyboard focus a moment after it shows: keys pressed before
        // then go to the workbench, as they would for a user typing into a panel still opening.
        { until: "document.hasFocus() && document.activeElement?.id === 'name'" },
        { focused: 'start' },
        { press: 'k' },
        { press: 'b' },
        // Create is enabled once the host has checked the name (one round trip).
        { until: "document.getElementById('name')?.value === 'kb' && document.getElementById('create')?.disabled === false" },
        { tabUntil: 'create', as: 'order' },
        { press: 'Shift+Tab' },
        { focused: 'back' },
      ]);
      assert.equal(seen.focused.start, 'name');
      const order = seen.texts.order.split(' ');
      for (const id of ['provider', 'database', 'requireApproval', 'position', 'branches', 'create']) assert.ok(order.includes(id), `Tab reaches #${id} (order: ${seen.texts.order})`);
      // Another provider's fields (the AWS region, load balancer) are hidden while local is chosen.
      assert.ok(!order.includes('loadBalancer') && !order.includes('region'), `only the chosen provider's fields: ${seen.texts.order}`);
      assert.ok(order.indexOf('provider') < order.indexOf('branches') && order.indexOf('branches') < order.indexOf('create'), `in reading order: ${seen.texts.order}`);
      assert.equal(seen.focused.back, 'branches');
      // Enter in a text field creates the stage, as in a form.
      await onPage('addStage', [{ press: 'Enter' }]);
      await waitFor('kb in stagecraft.yaml', async () => stageOf(await readText(file), file, 'kb'), SLOW);
      // Untouched, the position is the default: before the first protected stage (prod), not after it.
      assert.deepEqual(parseStackFile(await readText(file), file.fsPath).stack?.stages.map(s => s.name), ['dev', 'test', 'kb', 'prod']);
    });

    it('{ quickPick: true } keeps the prompts reachable: no form opens', async () => {
      let settled = false;
      const running = Promise.resolve(vscode.commands.executeCommand('stagecraft.addStage', { quickPick: true, stackName: 'shop-api' })).finally(() => (settled = true));
      // The first prompt shows when the editor gets to it: close it (as Escape does) until the command ends.
      await waitFor('the prompt to be dismissed', async () => {
        await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
        await new Promise(resolve => setTimeout(resolve, 100));
        return settled;
      }, SLOW);
      assert.equal(await running, undefined, 'Escape cancels quietly');
      assert.equal(webviewTabs('addStage').length, 0);
      assert.equal(await readText(file), original);
    });

    it('the programmatic { stage } form still writes without opening a panel', async () => {
      const result = await vscode.commands.executeCommand('stagecraft.addStage', { stackName: 'shop-api', stage: { name: 'scripted', provider: 'local' } });
      assert.equal(result, undefined);
      assert.ok(stageOf(await readText(file), file, 'scripted'));
      assert.equal(webviewTabs('addStage').length, 0);
    });
  });

  describe('Environment Variables', () => {
    afterEach(async () => {
      await restoreText(file, original);
      await fs.writeFile(dockerfile, originalDockerfile);
    });

    it('page: lists the Dockerfile ENV as text, flags a token and keeps it as a secret reference, writes a hostile value literally; Apply answers in the panel', async function () {
      if (!pageActionsServed()) this.skip();
      // Text from files reaches the page as data and is shown as text, never parsed as HTML.
      const hostile = '<img src=x onerror="document.body.dataset.pwned=1">';
      await fs.writeFile(dockerfile, `${originalDockerfile}ENV BANNER="${hostile.replace(/"/g, '\\"')}"\n`);
      // An obviously fake token, assembled here so that no scanner flags this file.
      const token = ['gh', 'p_'].join('') + 'Fake0Token1For2Tests3Only4Abcdefghij';
      await open('stagecraft.editEnvironmentVariables', await stageNode('dev'));
      const seen = await onPage('environment', [
        { waitFor: '#row-0-name' },
        { waitForText: '#dockerfile-env', text: 'BANNER=' },
        { text: '#dockerfile-env', as: 'dockerfile' },
        { count: '#dockerfile-env img', as: 'images' },
        { text: '#subtitle', as: 'provider' },
        { click: '#add-row' },
        { type: '#row-1-name input', text: 'API_TOKEN' },
        { type: '#row-1-value textarea', text: token },
        { waitForText: '#row-1-notes', text: 'looks like a GitHub token' },
        { click: '#row-1-secret' },
        { waitForNotText: '#banner', text: 'Storing' },
        { text: '#banner', as: 'kept' },
      ]);
      // The extension registers the local provider: the token is stored as the stage's secret.
      assert.ok(!seen.texts.provider.includes('not available'), seen.texts.provider);
      assert.match(seen.texts.kept, /stored as a secret of dev/);
      const saved = await onPage('environment', [
        { click: '#add-row' },
        { type: `#row-2-name input`, text: 'GREETING' },
        { fill: `#row-2-value textarea`, value: hostile },
        { fill: `#row-2-name input`, value: '1BAD' },
        { waitForText: `#row-2-name-message`, text: 'is not a valid environment variable name' },
        { fill: `#row-2-name input`, value: 'GREETING' },
        { waitForNotText: `#row-2-name-message`, text: 'not a valid' },
        { click: '#save' },
        { waitForText: '#banner', text: 'Saved' },
        { screenshot: 'environment' },
        { value: `#row-2-value textarea`, as: 'greeting' },
        { count: 'body[data-pwned]', as: 'pwned' },
        { click: '#apply' },
        { waitForNotText: '#banner', text: 'Applying' },
        { text: '#banner', as: 'applied' },
      ]);
      Object.assign(seen.texts, saved.texts);
      Object.assign(seen.counts, saved.counts);
      assert.match(seen.texts.dockerfile, /BANNER=<img src=x onerror="document\.body\.dataset\.pwned=1">/);
      assert.equal(seen.counts.images, 0);
      assert.equal(seen.counts.pwned, 0);
      assert.equal(seen.texts.greeting, hostile);

      const text = await readText(file);
      const dev = stageOf(text, file, 'dev');
      assert.deepEqual(dev?.env, { LOG_LEVEL: 'debug', API_TOKEN: { secret: 'API_TOKEN' }, GREETING: hostile });
      assert.ok(!text.includes(token), 'the token itself is never written to stagecraft.yaml');
      assert.ok(text.includes('# runs on this machine'), 'comments survive');
      assert.ok(seen.texts.applied.length > 0 && !seen.texts.applied.includes('not available'), seen.texts.applied);
    });
  });

  describe('Environment Variables drafts', () => {
    it('page: a draft survives hide and show, but a value that looks like a secret is not kept in it', async function () {
      if (!pageActionsServed()) this.skip();
      const token = ['sk', '_live_'].join('') + 'FakeFakeFakeFake1234';
      await open('stagecraft.editEnvironmentVariables', await stageNode('test'));
      await onPage('environment', [
        { waitFor: '#row-0-name' },
        { click: '#add-row' },
        { type: '#row-1-name input', text: 'FEATURES' },
        { type: '#row-1-value textarea', text: 'checkout,search' },
        { click: '#add-row' },
        { type: '#row-2-name input', text: 'PAYMENTS_KEY' },
        { type: '#row-2-value textarea', text: token },
        { waitForText: '#row-2-notes', text: 'looks like a Stripe key' },
      ]);
      await vscode.window.showTextDocument(file, { preview: false });
      await waitFor('the environment panel to be hidden', () => webviewTabs('environment').every(t => !t.isActive), SLOW);
      await open('stagecraft.editEnvironmentVariables', await stageNode('test'));
      const again = await onPage('environment', [
        { waitFor: '#row-2-name' },
        { value: '#row-0-value textarea', as: 'pool' },
        { value: '#row-1-name input', as: 'name1' },
        { value: '#row-1-value textarea', as: 'value1' },
        { value: '#row-2-name input', as: 'name2' },
        { value: '#row-2-value textarea', as: 'value2' },
        { text: '#app', as: 'page' },
      ]);
      assert.deepEqual([again.texts.pool, again.texts.name1, again.texts.value1, again.texts.name2, again.texts.value2], ['5', 'FEATURES', 'checkout,search', 'PAYMENTS_KEY', '']);
      assert.match(again.texts.page, /not kept in this draft/);
      assert.equal(await readText(file), original, 'a draft writes nothing');
    });
  });

  describe('Origins', () => {
    afterEach(async () => {
      await restoreText(file, original);
    });

    it('page: explains the localhost default, refuses a bad origin inline, adds one with Enter and saves it; the draft survives hide and show', async function () {
      if (!pageActionsServed()) this.skip();
      await open('stagecraft.editOrigins', await stageNode('dev'));
      const first = await onPage('origins', [
        { waitFor: '#new-origin' },
        { text: '#explanation', as: 'explanation' },
        { type: '#new-origin input', text: 'ftp://files.example.com/x' },
        { waitForText: '#new-origin-message', text: 'is not an origin' },
        { fill: '#new-origin input', value: '' },
        { type: '#new-origin input', text: 'https://admin.example.com:8443' },
        { press: 'Enter' },
        { waitFor: '#origin-0' },
        { type: '#new-origin input', text: 'https://draft.example.com' },
      ]);
      assert.match(first.texts.explanation, /only pages served from this machine/);

      // Hide the panel behind an editor, then show it again: the page is rebuilt from its saved draft.
      await vscode.window.showTextDocument(file, { preview: false });
      await waitFor('the origins panel to be hidden', () => webviewTabs('origins').every(t => !t.isActive), SLOW);
      await open('stagecraft.editOrigins', await stageNode('dev'));
      const again = await onPage('origins', [
        { waitFor: '#origin-0' },
        { value: '#origin-0 input', as: 'kept' },
        { value: '#new-origin input', as: 'adding' },
        { fill: '#new-origin input', value: '' },
        { click: '#save' },
        { waitForText: '#banner', text: 'Saved' },
        { screenshot: 'origins' },
      ]);
      assert.equal(again.texts.kept, 'https://admin.example.com:8443');
      assert.equal(again.texts.adding, 'https://draft.example.com');
      assert.deepEqual(stageOf(await readText(file), file, 'dev')?.origins, ['https://admin.example.com:8443']);
    });
  });

  describe('Database Secret', () => {
    afterEach(async () => {
      await restoreText(file, original);
    });

    it('page: shows host fields and keeps the password hidden until Reveal', async function () {
      if (!pageActionsServed()) this.skip();
      await open('stagecraft.showDatabaseSecret', await stageNode('test'));
      const seen = await onPage('database', [
        { waitFor: '#password' },
        { text: '#subtitle', as: 'provider' },
        { waitForNotText: '#banner', text: 'Asking the provider' },
        { value: '#password input', as: 'password' },
        { screenshot: 'database' },
      ]);
      assert.equal(seen.texts.password, '', 'nothing is revealed before Reveal');
      assert.ok(!seen.texts.provider.includes('not available'), 'the extension registers the stage\'s provider');
    });

    it('page: a stage without a database offers to create one', async function () {
      if (!pageActionsServed()) this.skip();
      await open('stagecraft.showDatabaseSecret', await stageNode('dev'));
      const seen = await onPage('database', [{ waitFor: '#create-database' }, { text: '#subtitle', as: 'provider' }, { screenshot: 'database-create' }]);
      assert.ok(!seen.texts.provider.includes('not available'), seen.texts.provider);
      assert.equal(await readText(file), original, 'opening the panel writes nothing');
    });
  });

  describe('panel lifecycle', () => {
    afterEach(async () => {
      await restoreText(file, original);
      await waitForStages(await stagecraftApi(), STACK_ID, ['dev', 'test', 'prod'], SLOW.timeoutMs);
    });

    it('one panel per stage and kind: opening again reveals it; another stage gets its own', async () => {
      const prod = await stageNode('prod');
      const a = await open('stagecraft.editOrigins', prod);
      const b = await open('stagecraft.editOrigins', prod);
      assert.equal(a.key, b.key);
      assert.equal(webviewTabs('origins').length, 1);
      await open('stagecraft.editOrigins', await stageNode('dev'));
      assert.equal(webviewTabs('origins').length, 2);
      assert.ok(webviewTabs('origins').some(t => t.label === 'Origins: prod (shop-api)'));
    });

    it('from the palette, a stage picker chooses the stage', async () => {
      const running = vscode.commands.executeCommand<OpenedPanel>('stagecraft.editEnvironmentVariables');
      await new Promise(resolve => setTimeout(resolve, 500));
      await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      const opened = await running;
      assert.ok(opened, 'a panel opened');
      assert.match(opened.key, /^environment\|.*\|test$/);
      await opened.interactive;
      assert.equal(webviewTabs('environment').length, 1);
    });

    it('a panel closes when its stage is deleted from stagecraft.yaml', async () => {
      await vscode.commands.executeCommand('stagecraft.addStage', { stackName: 'shop-api', stage: { name: 'gone', provider: 'local' } });
      await waitForStages(await stagecraftApi(), STACK_ID, ['dev', 'test', 'prod', 'gone'], SLOW.timeoutMs);
      await open('stagecraft.editEnvironmentVariables', await stageNode('gone'));
      await open('stagecraft.editOrigins', await stageNode('dev'));
      assert.equal(webviewTabs('environment').length, 1);
      await restoreText(file, original);
      await waitFor('the panel of the deleted stage to close', () => webviewTabs('environment').length === 0, SLOW);
      assert.equal(webviewTabs('origins').length, 1, 'panels of other stages stay open');
    });
  });
});
