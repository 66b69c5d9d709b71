import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { parseStackFile } from '../../../src/core/config/load';
import type { OpenedPanel } from '../../../src/ui/panels';
import type { StageNode } from '../../../src/ui/tree';
import { childrenOf, readText, restoreText, roots, stackFileOf, stagecraftApi, waitFor, waitForStages, workspaceFolder } from '../support';
import { closeAllDiscarding, onPage, pageActionsServed, TOAST, toastButton, type Step } from './panelsPage';

/**
 * Issue 18, item 3 (panels behave like editors) and the CSP part of item 5, in the real VS Code:
 * every test acts on the page through the launcher's playwright and is skipped without it.
 */

const STACK_ID = 'stack/shop-api';
const SLOW = { timeoutMs: 30_000 };
const DIRTY = '\u25CF ';
/** Waits for the workbench's finite animations (a toast sliding in) to end, for a clean screenshot. */
const SETTLED: Step = { evaluate: "Promise.all(document.getAnimations().filter(a => a.effect?.getTiming().iterations !== Infinity).map(a => a.finished)).then(() => 'settled')", as: 'settled' };

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

function panelTabs(kind: string): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap(g => g.tabs).filter(t => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes(`stagecraft.panel.${kind}`));
}

async function open(command: string, arg: unknown): Promise<OpenedPanel> {
  const opened = await vscode.commands.executeCommand<OpenedPanel>(command, arg);
  assert.ok(opened && typeof opened.key === 'string', `${command} opened a panel`);
  await opened.interactive;
  return opened;
}

/** The Stagecraft panels, how each is opened, and the control it should open with. */
const PANELS: Array<{ kind: string; short: string; command: string; stage?: string; firstControl: string; ready: string }> = [
  { kind: 'addStage', short: 'add-stage', command: 'stagecraft.addStage', firstControl: 'name', ready: '#name' },
  { kind: 'environment', short: 'env', command: 'stagecraft.editEnvironmentVariables', stage: 'dev', firstControl: 'row-0-name', ready: '#row-0-name' },
  { kind: 'origins', short: 'origins', command: 'stagecraft.editOrigins', stage: 'dev', firstControl: 'new-origin', ready: '#new-origin' },
  { kind: 'database', short: 'database', command: 'stagecraft.showDatabaseSecret', stage: 'test', firstControl: 'reveal', ready: '#reveal' },
];

async function openPanel(p: (typeof PANELS)[number]): Promise<OpenedPanel> {
  return open(p.command, p.stage ? await stageNode(p.stage) : undefined);
}

function stageOf(text: string, file: vscode.Uri, name: string) {
  return parseStackFile(text, file.fsPath).stack?.stages.find(s => s.name === name);
}

/** The computed style of an element in the page, as `prop=value;…`. */
function styleOf(selector: string, props: string[]): string {
  return `(() => { const s = getComputedStyle(document.querySelector(${JSON.stringify(selector)})); return ${JSON.stringify(props)}.map(p => p + '=' + s.getPropertyValue(p)).join(';'); })()`;
}

function parseStyle(text: string): Record<string, string> {
  return Object.fromEntries(text.split(';').map(kv => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

describe('Panels behave like editors (issue 18)', function () {
  this.timeout(180_000);
  let file: vscode.Uri;
  let original: string;

  before(async function () {
    if (!pageActionsServed()) this.skip();
    file = stackFileOf(workspaceFolder('basic'));
    original = await readText(file);
  });

  afterEach(async () => {
    if (!pageActionsServed()) return;
    await closeAllDiscarding();
    await vscode.commands.executeCommand('notifications.clearAll');
    await restoreText(file, original);
    await waitForStages(await stagecraftApi(), STACK_ID, ['dev', 'test', 'prod'], SLOW.timeoutMs);
  });

  it('18-5 CSP: opening each panel logs no Content Security Policy violation', async () => {
    const before = (await onPage('workbench', [{ cspViolations: 'csp' }])).texts.csp;
    for (const p of PANELS) {
      await openPanel(p);
      await onPage(p.kind, [{ waitFor: p.ready }, { screenshot: `18-5-csp-${p.short}` }]);
      const after = (await onPage('workbench', [{ cspViolations: 'csp' }])).texts.csp;
      const added = after.slice(before.length).trim();
      assert.equal(added, '', `opening the ${p.kind} panel logged: ${added}`);
    }
  });

  it('18-3 initial focus: each panel opens with its first control focused (the Database panel keeps it after loading)', async () => {
    for (const p of PANELS) {
      await openPanel(p);
      const steps: Step[] = [{ waitFor: p.ready }];
      if (p.kind === 'database') steps.push({ waitForNotText: '#banner', text: 'Asking the provider' });
      steps.push({ focused: 'first' });
      if (p.kind === 'database') steps.push({ screenshot: '18-3-initial-focus-database' });
      const seen = await onPage(p.kind, steps);
      assert.equal(seen.focused.first, p.firstControl, `${p.kind} opens with #${p.firstControl} focused`);
      await closeAllDiscarding();
    }
    // A stage without a database: the Create button.
    await open('stagecraft.showDatabaseSecret', await stageNode('dev'));
    const none = await onPage('database', [{ waitFor: '#create-database' }, { focused: 'first' }]);
    assert.equal(none.focused.first, 'create-database');
    // The page is built again when the stage gets a database (as when its connection arrives): focus stays on a control.
    const marker = 'provider: local   # runs on this machine\n';
    assert.ok(original.includes(marker));
    await fs.writeFile(file.fsPath, original.replace(marker, `${marker}    database: postgres\n`));
    const rebuilt = await onPage('database', [{ waitFor: '#reveal' }, { focused: 'after' }]);
    assert.equal(rebuilt.focused.after, 'reveal', 'focus is not lost to the page when it is built again');
  });

  it('18-3 dirty indicator: "● " in the title while there are unsaved edits, gone after Save', async () => {
    await open('stagecraft.editEnvironmentVariables', await stageNode('dev'));
    assert.equal(panelTabs('environment')[0]?.label, 'Environment: dev (shop-api)');
    await onPage('environment', [{ waitFor: '#row-0-value' }, { fill: '#row-0-value textarea', value: 'info' }]);
    await waitFor('the dirty mark', () => panelTabs('environment')[0]?.label === `${DIRTY}Environment: dev (shop-api)`, SLOW);
    await onPage('environment', [{ screenshot: '18-3-dirty-indicator' }, { click: '#save' }, { waitForText: '#banner', text: 'Saved' }]);
    await waitFor('the dirty mark to go', () => panelTabs('environment')[0]?.label === 'Environment: dev (shop-api)', SLOW);
    assert.deepEqual(stageOf(await readText(file), file, 'dev')?.env, { LOG_LEVEL: 'info' });
  });

  it('18-3 save on close: a panel closed with edits asks "Save changes?": Reopen brings them back, Save writes them, Don\'t Save drops them, dismissed keeps them', async () => {
    const question = 'Save changes to dev environment?';
    const closePanel = async () => {
      const tab = panelTabs('environment')[0];
      assert.ok(tab, 'the panel is open');
      await vscode.window.tabGroups.close(tab);
      await waitFor('the panel to close', () => panelTabs('environment').length === 0, SLOW);
    };
    const openWith = async (value: string) => {
      await open('stagecraft.editEnvironmentVariables', await stageNode('dev'));
      await onPage('environment', [{ waitFor: '#row-0-value' }, { fill: '#row-0-value textarea', value }]);
      await waitFor('the dirty mark', () => panelTabs('environment')[0]?.label.startsWith(DIRTY), SLOW);
    };
    const shownValue = async () => (await onPage('environment', [{ waitFor: '#row-0-value' }, { value: '#row-0-value textarea', as: 'value' }])).texts.value;

    // Reopen: the panel comes back with the edit, still marked dirty, nothing written.
    await openWith('warn');
    await closePanel();
    const asked = await onPage('workbench', [{ waitFor: toastButton('Reopen', question) }, SETTLED, { screenshot: '18-3-save-on-close' }, { click: toastButton('Reopen', question) }]);
    assert.ok(asked.ok);
    await waitFor('the panel to reopen', () => panelTabs('environment').length === 1, SLOW);
    assert.equal(await shownValue(), 'warn', 'the edit is restored');
    await waitFor('the reopened panel to be marked dirty', () => panelTabs('environment')[0]?.label.startsWith(DIRTY), SLOW);
    assert.equal(await readText(file), original, 'nothing written yet');

    // Save: written as the panel's Save would, comments kept.
    await closePanel();
    await onPage('workbench', [{ click: toastButton('Save', question) }]);
    await waitFor('the edit in stagecraft.yaml', async () => stageOf(await readText(file), file, 'dev')?.env.LOG_LEVEL === 'warn', SLOW);
    assert.ok((await readText(file)).includes('# runs on this machine'), 'comments survive');
    assert.equal(panelTabs('environment').length, 0);

    // Don't Save: nothing written, and the next opening shows the file's value.
    const saved = await readText(file);
    await openWith('error');
    await closePanel();
    await onPage('workbench', [{ click: toastButton("Don't Save", question) }]);
    assert.equal(await readText(file), saved);
    await open('stagecraft.editEnvironmentVariables', await stageNode('dev'));
    assert.equal(await shownValue(), 'warn');
    assert.equal(panelTabs('environment')[0]?.label, 'Environment: dev (shop-api)');
    await closePanel();

    // Dismissed (or never answered): the edits wait for the panel's next opening.
    await openWith('fatal');
    await closePanel();
    await onPage('workbench', [{ waitForText: TOAST, text: question }]);
    await vscode.commands.executeCommand('notifications.clearAll');
    await open('stagecraft.editEnvironmentVariables', await stageNode('dev'));
    assert.equal(await shownValue(), 'fatal', 'kept for the next opening');
    await waitFor('the dirty mark', () => panelTabs('environment')[0]?.label.startsWith(DIRTY), SLOW);
    assert.equal(await readText(file), saved);
  });

  it('18-3 banners: "Stage not added" goes when the name changes; "Applied to stage" goes at the next edit', async () => {
    await open('stagecraft.addStage', undefined);
    const added = await onPage('addStage', [
      { waitFor: '#name' },
      { type: '#name input', text: 'dev' },
      { press: 'Enter' },
      { waitForText: '#banner', text: 'Stage not added' },
      { screenshot: '18-3-banner-stage-not-added' },
      { type: '#name input', text: '2' },
      { waitForNotText: '#banner', text: 'Stage not added' },
      { text: '#banner', as: 'after' },
    ]);
    assert.equal(added.texts.after, '');
    await closeAllDiscarding();

    await open('stagecraft.editOrigins', await stageNode('dev'));
    const applied = await onPage('origins', [
      { waitFor: '#new-origin' },
      { click: '#apply' },
      { waitForText: '#banner', text: 'Applied to stage dev' },
      { type: '#new-origin input', text: 'h' },
      { waitForNotText: '#banner', text: 'Applied' },
      { text: '#banner', as: 'after' },
    ]);
    assert.equal(applied.texts.after, '');
  });

  it('18-3 disabled buttons: Create while the name is invalid; Apply while an apply runs', async () => {
    await open('stagecraft.addStage', undefined);
    const disabled = (id: string) => `document.getElementById('${id}').disabled`;
    const form = await onPage('addStage', [
      { waitFor: '#name' },
      { evaluate: disabled('create'), as: 'empty' },
      { type: '#name input', text: 'dev' },
      { waitForText: '#name-message', text: 'already has a stage named "dev"' },
      { evaluate: disabled('create'), as: 'taken' },
      { screenshot: '18-3-create-disabled' },
      { fill: '#name input', value: 'qa' },
      { waitForNotText: '#name-message', text: 'already' },
      { evaluate: disabled('create'), as: 'valid' },
    ]);
    assert.deepEqual([form.texts.empty, form.texts.taken, form.texts.valid], ['true', 'true', 'false']);
    await closeAllDiscarding();

    await open('stagecraft.editEnvironmentVariables', await stageNode('dev'));
    const apply = await onPage('environment', [
      { waitFor: '#apply' },
      // Clicked and read in the same turn: the button is disabled before the host answers.
      { evaluate: `(() => { const b = document.getElementById('apply'); b.click(); return b.disabled + ',' + document.body.getAttribute('aria-busy'); })()`, as: 'running' },
      { waitForText: '#banner', text: 'Applied to stage' },
      { evaluate: disabled('apply'), as: 'done' },
    ]);
    assert.equal(apply.texts.running, 'true,true');
    assert.equal(apply.texts.done, 'false');
  });

  it('18-3 long values: a 200-character value is shown whole, wrapped in its cell', async () => {
    const long = Array.from({ length: 20 }, (_, i) => `part${String(i).padStart(2, '0')}-xyz`).join('');
    assert.equal(long.length, 200);
    await open('stagecraft.editEnvironmentVariables', await stageNode('dev'));
    const seen = await onPage('environment', [
      { waitFor: '#row-0-value' },
      { click: '#add-row' },
      { type: '#row-1-name input', text: 'FEATURE_FLAGS' },
      { fill: '#row-1-value textarea', value: long },
      {
        evaluate: `(() => { const t = document.querySelector('#row-1-value').shadowRoot.querySelector('textarea'); const cell = document.querySelector('#row-1-value').closest('td').getBoundingClientRect(); const box = t.getBoundingClientRect(); return [t.scrollHeight <= t.clientHeight + 1, t.scrollWidth <= t.clientWidth + 1, box.right <= cell.right + 1, Math.round(box.height)].join(','); })()`,
        as: 'fits',
      },
      { value: '#row-1-value textarea', as: 'value' },
      { screenshot: '18-3-long-value' },
    ]);
    const [noVerticalScroll, noHorizontalScroll, insideCell, height] = seen.texts.fits.split(',');
    assert.equal(seen.texts.value, long);
    assert.equal(noVerticalScroll, 'true', `no hidden lines (${seen.texts.fits})`);
    assert.equal(noHorizontalScroll, 'true', `no clipped columns (${seen.texts.fits})`);
    assert.equal(insideCell, 'true', `within its cell (${seen.texts.fits})`);
    assert.ok(Number(height) > 40, `it grew to several lines (${seen.texts.fits})`);
  });

  it('18-3 validation style: a bordered message under the field in the inputValidation colours, not red text', async () => {
    await open('stagecraft.editOrigins', await stageNode('dev'));
    const props = ['border-top-style', 'border-top-width', 'border-top-color', 'background-color', 'color'];
    const seen = await onPage('origins', [
      { waitFor: '#new-origin' },
      { type: '#new-origin input', text: 'ftp://files.example.com/x' },
      { waitForText: '#new-origin-message', text: 'is not an origin' },
      { evaluate: styleOf('#new-origin-message', props), as: 'message' },
      // The theme's colours, resolved the same way, to compare with.
      {
        evaluate: `(() => { const d = document.createElement('div'); d.className = 'probe'; document.body.append(d); d.style.setProperty('border-top', '1px solid var(--vscode-inputValidation-errorBorder)'); d.style.setProperty('background-color', 'var(--vscode-inputValidation-errorBackground)'); const s = getComputedStyle(d); const r = 'border-top-color=' + s.borderTopColor + ';background-color=' + s.backgroundColor; d.remove(); return r; })()`,
        as: 'theme',
      },
      { evaluate: `Math.round(document.querySelector('#new-origin-message').getBoundingClientRect().top - document.querySelector('#new-origin').getBoundingClientRect().bottom)`, as: 'gap' },
      { screenshot: '18-3-validation-style' },
    ]);
    const message = parseStyle(seen.texts.message);
    const theme = parseStyle(seen.texts.theme);
    assert.equal(message['border-top-style'], 'solid', seen.texts.message);
    assert.equal(message['border-top-width'], '1px', seen.texts.message);
    assert.equal(message['border-top-color'], theme['border-top-color'], 'the inputValidation error border');
    assert.equal(message['background-color'], theme['background-color'], 'the inputValidation error background');
    assert.ok(Math.abs(Number(seen.texts.gap)) <= 4, `right under the field (gap ${seen.texts.gap}px)`);
  });

  it('18-3 keyboard only: Tab reaches every control, Space and Enter activate, Escape keeps the edits', async () => {
    await open('stagecraft.editEnvironmentVariables', await stageNode('dev'));
    const env = await onPage('environment', [
      { waitFor: '#row-0-name' },
      { focused: 'start' },
      { tabUntil: 'add-row', as: 'first' },
      { focused: 'addRow' },
      { press: 'Space' },
      { waitFor: '#row-1-name' },
      { focused: 'afterAdd' },
      { press: 'K' },
      { press: 'Tab' },
      { press: 'v' },
      { press: 'Escape' },
      { value: '#row-1-name input', as: 'name' },
      { value: '#row-1-value textarea', as: 'value' },
      { tabUntil: 'open-file', as: 'rest' },
      { screenshot: '18-3-keyboard-env' },
    ]);
    assert.equal(env.focused.start, 'row-0-name');
    const order = `${env.texts.first} ${env.texts.rest}`.split(' ');
    env.texts.order = order.join(' ');
    for (const id of ['row-0-value', 'row-0-delete', 'add-row', 'save', 'apply', 'open-file']) assert.ok(order.includes(id), `Tab reaches #${id} (order: ${env.texts.order})`);
    assert.equal(env.focused.addRow, 'add-row');
    assert.equal(env.focused.afterAdd, 'row-1-name', 'Space on "Add variable" adds a row and moves to it');
    assert.deepEqual([env.texts.name, env.texts.value], ['K', 'v'], 'Escape keeps what was typed');
    assert.equal(panelTabs('environment').length, 1, 'Escape does not close the panel');
    await closeAllDiscarding();

    await open('stagecraft.editOrigins', await stageNode('dev'));
    const origins = await onPage('origins', [
      { waitFor: '#new-origin' },
      { fill: '#new-origin input', value: 'https://kb.example.com' },
      { press: 'Enter' },
      { waitFor: '#origin-0' },
      { tabUntil: 'save', as: 'order' },
      { press: 'Enter' },
      { waitForText: '#banner', text: 'Saved' },
    ]);
    for (const id of ['add', 'save']) assert.ok(origins.texts.order.split(' ').includes(id), `Tab reaches #${id} (order: ${origins.texts.order})`);
    await waitFor('the origin saved with Enter', async () => stageOf(await readText(file), file, 'dev')?.origins.includes('https://kb.example.com'), SLOW);

    await open('stagecraft.showDatabaseSecret', await stageNode('test'));
    const db = await onPage('database', [{ waitFor: '#reveal' }, { waitForNotText: '#banner', text: 'Asking' }, { tabUntil: 'refresh', as: 'order' }]);
    for (const id of ['copy', 'rotate', 'refresh']) assert.ok(db.texts.order.split(' ').includes(id), `Tab reaches #${id} (order: ${db.texts.order})`);
  });

  describe('themes', () => {
    const THEMES: Array<[string, string]> = [
      ['dark', 'Default Dark Modern'],
      ['light', 'Default Light Modern'],
      ['hc', 'Default High Contrast'],
    ];
    let previous: string | undefined;
    before(() => {
      previous = vscode.workspace.getConfiguration('workbench').inspect<string>('colorTheme')?.globalValue;
    });
    after(async () => {
      await vscode.workspace.getConfiguration('workbench').update('colorTheme', previous, vscode.ConfigurationTarget.Global);
    });

    for (const [short, theme] of THEMES) {
      it(`18-3 screenshots of each panel in ${theme}, with a validation message showing`, async () => {
        await vscode.workspace.getConfiguration('workbench').update('colorTheme', theme, vscode.ConfigurationTarget.Global);
        const kind = short === 'hc' ? 'hc' : short;
        for (const p of PANELS) {
          await openPanel(p);
          const steps: Step[] = [{ waitFor: p.ready }];
          if (p.kind === 'addStage') steps.push({ type: '#name input', text: 'dev' }, { waitForText: '#name-message', text: 'already' });
          if (p.kind === 'origins') steps.push({ type: '#new-origin input', text: 'ftp://x' }, { waitForText: '#new-origin-message', text: 'not an origin' });
          if (p.kind === 'database') steps.push({ waitForNotText: '#banner', text: 'Asking' });
          // The page follows the theme: its body carries VS Code's theme class.
          steps.push({ evaluate: 'document.body.className', as: 'themeClass' }, { screenshot: `18-3-${p.short}-panel-${kind}` });
          const seen = await onPage(p.kind, steps);
          const expected = short === 'hc' ? 'vscode-high-contrast' : short === 'light' ? 'vscode-light' : 'vscode-dark';
          assert.ok(seen.texts.themeClass.split(' ').includes(expected), `${p.kind} in ${theme}: body class "${seen.texts.themeClass}"`);
          await closeAllDiscarding();
        }
      });
    }
  });
});
