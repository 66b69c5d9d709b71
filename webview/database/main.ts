import { provideVSCodeDesignSystem, vsCodeButton, vsCodeTextField } from '@vscode/webview-ui-toolkit';
import type { DatabaseConnection, DatabaseInit } from '../../src/protocol/messages';
import { errorOf, PageChannel } from '../shared/channel';
import { Banner, button, h, header, keepingFocus, mount, providerNote, textField, whileBusy, type ToolkitInput } from '../shared/ui';

provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeTextField());

/**
 * The Database Secret page keeps no state at all (nothing to draft), and the password only in the
 * password field while it is revealed: never in setState, never in the HTML it was built from.
 */
const app = document.getElementById('app')!;
const banner = new Banner();
let init: DatabaseInit | undefined;
let connection: DatabaseConnection | undefined;
let passwordField: ToolkitInput | undefined;
let revealed = false;

const channel = new PageChannel<DatabaseInit, never>('database', next => {
  const first = init === undefined;
  const hadDatabase = init?.hasDatabase;
  init = next;
  if (first || hadDatabase !== next.hasDatabase) {
    connection = undefined;
    renderKeepingFocus();
    if (next.hasDatabase) void loadConnection();
  }
  if (first) {
    focusFirstControl();
    channel.interactive();
  }
});

async function loadConnection(): Promise<void> {
  banner.info('Asking the provider for the connection…');
  try {
    connection = await channel.request('database.connection', {});
    banner.clear();
    renderKeepingFocus();
  } catch (err) {
    banner.error(errorOf(err));
  }
}

function render(): void {
  if (!init) return;
  const i = init;
  revealed = false;
  const top = header('Database Secret', ['of stage ', h('strong', { attrs: { id: 'stage-name' } }, i.header.stage), ' in ', h('strong', i.header.stack), ` · ${i.header.provider}`, providerNote(i.header)]);
  if (!i.hasDatabase) {
    mount(
      app,
      top,
      banner.root,
      h('p', { attrs: { id: 'no-database' } }, `Stage ${i.header.stage} has no database. Adding one writes `, h('code', 'database: postgres'), ' to the stage in stagecraft.yaml and asks the provider to create it.'),
      h('div', { attrs: { class: 'actions' } }, button('Create database for this stage', () => void create(), { id: 'create-database', appearance: 'primary' })),
    );
    app.setAttribute('aria-busy', 'false');
    return;
  }
  const shown = (id: string, label: string, value: string) => textField(id, label, { value, readonly: true }).root;
  const c = connection;
  const password = textField('password', 'Password', { value: '', readonly: true, hint: 'Hidden until you click Reveal. Copy puts it on the clipboard without showing it.' });
  passwordField = password.input;
  password.input.setAttribute('type', 'password');
  password.input.setAttribute('placeholder', c ? '••••••••••••' : '');
  mount(
    app,
    top,
    banner.root,
    h('div', { attrs: { class: 'form', id: 'connection' } },
      shown('host', 'Host', c?.host ?? ''),
      shown('port', 'Port', c ? String(c.port) : ''),
      shown('database', 'Database', c?.database ?? ''),
      shown('username', 'User', c?.username ?? ''),
      password.root,
      h('div', { attrs: { class: 'actions' } },
        button('Reveal', () => void toggleReveal(), { id: 'reveal' }),
        button('Copy', () => void copy(), { id: 'copy' }),
        button('Change Password', () => void rotate(), { id: 'rotate' }),
        button('Refresh', () => void loadConnection(), { id: 'refresh' }),
      ),
    ),
  );
  app.setAttribute('aria-busy', 'false');
}

/**
 * Builds the page again (the connection arrived, the stage got a database): the control that had
 * focus keeps it, or the first control takes it when that one is gone, never the page's body.
 */
function renderKeepingFocus(): void {
  const hadFocus = document.activeElement !== null && document.activeElement !== document.body;
  keepingFocus(render);
  if (hadFocus && (document.activeElement === null || document.activeElement === document.body)) focusFirstControl();
}

/** The first button (Reveal, or Create database): the panel opens ready for the keyboard. */
function focusFirstControl(): void {
  (document.querySelector('#app vscode-button') as HTMLElement | null)?.focus();
}

async function toggleReveal(): Promise<void> {
  const field = passwordField;
  const toggle = document.getElementById('reveal');
  if (!field || !toggle) return;
  if (revealed) {
    hide();
    return;
  }
  try {
    const { password } = await channel.request('database.reveal', {});
    field.setAttribute('type', 'text');
    field.value = password;
    revealed = true;
    mount(toggle, 'Hide');
    banner.clear();
  } catch (err) {
    banner.error(errorOf(err));
  }
}

function hide(): void {
  if (passwordField) {
    passwordField.value = '';
    passwordField.setAttribute('type', 'password');
  }
  revealed = false;
  const toggle = document.getElementById('reveal');
  if (toggle) mount(toggle, 'Reveal');
}

async function copy(): Promise<void> {
  try {
    await channel.request('database.copy', {});
    banner.info('Password copied to the clipboard.');
  } catch (err) {
    banner.error(errorOf(err));
  }
}

async function rotate(): Promise<void> {
  try {
    await whileBusy(['rotate', 'reveal', 'copy'], () => channel.request('database.rotate', {}));
    hide();
    banner.info('Password changed. Apps pick it up when they restart or are deployed again.');
  } catch (err) {
    banner.error(errorOf(err));
  }
}

async function create(): Promise<void> {
  banner.progress('Creating the database…');
  try {
    await whileBusy(['create-database'], () => channel.request('database.create', {}));
    banner.info('Database created.');
  } catch (err) {
    banner.error(errorOf(err));
  }
}

// A hidden panel is torn down; make sure a revealed password does not outlive the view either.
window.addEventListener('pagehide', hide);
