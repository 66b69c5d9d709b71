import { provideVSCodeDesignSystem, vsCodeButton, vsCodeTextArea, vsCodeTextField } from '@vscode/webview-ui-toolkit';
import type { EnvironmentInit, EnvRowCheck, EnvRowDraft, FieldProblems } from '../../src/protocol/messages';
import { errorOf, PageChannel } from '../shared/channel';
import { applyToStage, Banner, button, h, header, mount, providerNote, showProblem, textField, savedMessage, whileBusy, type Field } from '../shared/ui';

provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeTextArea(), vsCodeTextField());

/**
 * The draft kept across hide/show. Values the host flagged as secret-looking are left out of it
 * (`withheld`): the page's saved state is never a place for a secret.
 */
interface Draft {
  stage: string;
  revision: string;
  /** `file`: the value was the file's own and is taken from the file again; `typed`: the user must type it again. */
  rows: Array<EnvRowDraft & { withheld?: 'file' | 'typed' }>;
}

const app = document.getElementById('app')!;
const banner = new Banner();
let init: EnvironmentInit | undefined;
let rows: EnvRowDraft[] = [];
let checks: EnvRowCheck[] = [];
/** The text of each row as last checked by the host (undefined: not a text value, or not checked). */
let checked: Array<string | undefined> = [];
let problems: FieldProblems = {};
let dirty = false;
let baseRevision = '';
let withheldNotice = false;
let checkSeq = 0;

const channel = new PageChannel<EnvironmentInit, Draft>('environment', next => {
  const first = init === undefined;
  init = next;
  const saved = channel.state;
  if (first && next.restored) {
    // Reopened after "Save changes?" was cancelled (or the save failed): the edits it was closed with.
    rows = next.restored.rows.map(r => ({ name: r.name, value: { ...r.value } }));
    baseRevision = next.revision;
    dirty = true;
  } else if (first && saved && saved.stage === next.header.stage) {
    rows = saved.rows.map(({ name, value, withheld }) => {
      const fromFile = withheld === 'file' ? next.rows.find(r => r.name === name && r.value.kind === 'text') : undefined;
      return { name, value: fromFile ? { ...fromFile.value } : value };
    });
    withheldNotice = saved.rows.some(r => r.withheld === 'typed');
    baseRevision = saved.revision;
    dirty = true;
  } else if (first || !dirty) {
    rows = next.rows.map(r => ({ name: r.name, value: { ...r.value } }));
    baseRevision = next.revision;
    dirty = false;
  }
  const focused = document.activeElement?.id;
  render();
  if (focused) document.getElementById(focused)?.focus();
  if (first) {
    (document.querySelector('#rows vscode-text-field, #add-row') as HTMLElement | null)?.focus();
    channel.interactive();
    saveDraft(); // a restored draft marks the tab at once
  }
  void check();
});

function saveDraft(): void {
  if (!init) return;
  // The host holds the edits in memory (the tab's dirty mark, "Save changes?" on close); the
  // page's own saved state below leaves secret-looking values out.
  channel.edits(dirty, { panel: 'environment', rows });
  if (!dirty) {
    channel.state = undefined;
    return;
  }
  channel.state = {
    stage: init.header.stage,
    revision: baseRevision,
    // A value is kept only once the host has checked exactly this text and found it not secret-like.
    rows: rows.map((row, i) => {
      if (row.value.kind !== 'text' || (checked[i] === row.value.text && !checks[i]?.secretLike)) return row;
      const text = row.value.text;
      const inFile = init!.rows.some(r => r.name === row.name && r.value.kind === 'text' && r.value.text === text);
      return { name: row.name, value: { kind: 'text', text: '' }, withheld: inFile ? 'file' : 'typed' };
    }),
  };
}

function edited(): void {
  dirty = true;
  banner.edited();
  saveDraft();
  scheduleCheck();
}

let timer: ReturnType<typeof setTimeout> | undefined;
function scheduleCheck(): void {
  clearTimeout(timer);
  timer = setTimeout(() => void check(), 60);
}

async function check(): Promise<void> {
  const seq = ++checkSeq;
  try {
    const sent = rows.map(r => (r.value.kind === 'text' ? r.value.text : undefined));
    const result = await channel.request('environment.check', { rows });
    if (seq !== checkSeq) return;
    checks = result.rows;
    checked = sent;
    problems = result.problems;
    showChecks();
    saveDraft();
  } catch (err) {
    if (seq === checkSeq) banner.error(errorOf(err));
  }
}

let rowFields: Array<{ name: Field; value: Field; notes: HTMLElement; actions: HTMLElement }> = [];

function render(): void {
  if (!init) return;
  const i = init;
  const overridden = new Set(rows.map(r => r.name));
  const fromDockerfile = i.dockerfileEnv.filter(e => !overridden.has(e.name));
  rowFields = rows.map((row, index) => rowView(row, index));
  const table = h(
    'table',
    { attrs: { id: 'rows', 'aria-label': `Environment variables of ${i.header.stage}` } },
    h('thead', h('tr', h('th', { attrs: { scope: 'col' } }, 'Name'), h('th', { attrs: { scope: 'col' } }, 'Value'), h('th', { attrs: { scope: 'col' } }, 'Notes'), h('th', { attrs: { scope: 'col' } }, h('span', { attrs: { class: 'visually-hidden' } }, 'Actions')))),
    h('tbody', ...rowFields.map((f, index) => h('tr', { attrs: { id: `row-${index}` } }, h('td', f.name.root), h('td', f.value.root), h('td', f.notes), h('td', f.actions)))),
  );
  mount(
    app,
    header('Environment Variables', ['of stage ', h('strong', { attrs: { id: 'stage-name' } }, i.header.stage), ' in ', h('strong', i.header.stack), ` · ${i.header.provider}${i.header.placement ? ` ${i.header.placement}` : ''}`, providerNote(i.header)]),
    h('p', { attrs: { class: 'note' } }, 'Values set here override the ', h('code', i.dockerfile), `'s ENV. ${i.reserved.join(', ')} are set by Stagecraft for every stage. Values that look like secrets are better kept as a secret reference: the file then names the secret, and the provider holds its value.`),
    withheldNotice ? h('p', { attrs: { class: 'banner info', role: 'status' } }, 'Values that look like secrets were not kept in this draft: type them again, or keep them as secret references.') : null,
    dirty && init.revision !== baseRevision ? h('p', { attrs: { class: 'banner error', role: 'alert' } }, 'stagecraft.yaml changed since this draft was started. ', button('Discard draft', discard, { id: 'discard' })) : null,
    banner.root,
    rows.length > 0 ? table : h('p', { attrs: { id: 'no-rows' } }, 'This stage sets no variables of its own.'),
    h('div', { attrs: { class: 'actions' } }, button('Add variable', addRow, { id: 'add-row' })),
    fromDockerfile.length > 0
      ? h('section', { attrs: { id: 'dockerfile-env', 'aria-label': 'From the Dockerfile' } },
          h('h2', `From ${i.dockerfile}`),
          h('ul', ...fromDockerfile.map(e => h('li', h('code', `${e.name}=${e.value}`), h('span', { attrs: { class: 'note' } }, ` (line ${e.line}) `), button('Override', () => addRow(e.name, e.value), { ariaLabel: `Override ${e.name}` })))),
        )
      : null,
    h('div', { attrs: { class: 'actions' } },
      button('Save', () => void saveRows(), { id: 'save', appearance: 'primary' }),
      button('Apply to stage', () => void apply(), { id: 'apply' }),
      button('Open stagecraft.yaml', () => void channel.request('stack.open', {}).catch(err => banner.error(errorOf(err))), { id: 'open-file' }),
    ),
  );
  app.setAttribute('aria-busy', 'false');
  showChecks();
}

function rowView(row: EnvRowDraft, index: number) {
  const label = row.name || `row ${index + 1}`;
  const name = textField(`row-${index}-name`, '', { value: row.name, ariaLabel: `Name of variable ${index + 1}`, onInput: v => ((row.name = v), edited()) });
  const value =
    row.value.kind === 'text'
      ? textField(`row-${index}-value`, '', { value: row.value.text, ariaLabel: `Value of ${label}`, wrap: true, onInput: v => ((row.value = { kind: 'text', text: v }), edited()) })
      : textField(`row-${index}-value`, '', { value: row.value.secret, ariaLabel: `Secret name for ${label}`, onInput: v => ((row.value = { kind: 'secret', secret: v }), edited()) });
  if (row.value.kind === 'secret') value.root.prepend(h('span', { attrs: { class: 'secret-ref' } }, 'secret reference:'));
  const notes = h('div', { attrs: { id: `row-${index}-notes`, class: 'notes' } });
  const actions = h('div', { attrs: { class: 'actions' } }, button('Delete', () => deleteRow(index), { id: `row-${index}-delete`, ariaLabel: `Delete ${label}` }));
  if (row.value.kind === 'secret') actions.append(button('Use plain value', () => toPlain(index), { id: `row-${index}-plain`, ariaLabel: `Use a plain value for ${label}` }));
  return { name, value, notes, actions };
}

/** Notes per row (overrides, secret-looking values) and inline problems, without rebuilding the table. */
function showChecks(): void {
  rowFields.forEach((f, index) => {
    showProblem(f.name, problems[`rows.${index}.name`]);
    showProblem(f.value, problems[`rows.${index}.value`]);
    const c = checks[index] ?? {};
    const parts: HTMLElement[] = [];
    if (c.overrides !== undefined) parts.push(h('div', { attrs: { class: 'note' } }, 'overrides the Dockerfile\u2019s ', h('code', c.overrides)));
    if (c.secretLike && rows[index]?.value.kind === 'text') {
      parts.push(
        h('div', { attrs: { class: 'flag', role: 'status' } }, `This value ${c.secretLike}. `),
        button('Keep as secret reference', () => void toSecret(index), { id: `row-${index}-secret`, ariaLabel: `Keep ${rows[index].name || 'this value'} as a secret reference` }),
      );
    }
    mount(f.notes, ...parts);
  });
}

function addRow(name = '', value = ''): void {
  rows.push({ name, value: { kind: 'text', text: value } });
  checks.push({});
  checked.push(undefined);
  edited();
  render();
  (document.getElementById(`row-${rows.length - 1}-${name ? 'value' : 'name'}`) as HTMLElement | null)?.focus();
}

function deleteRow(index: number): void {
  rows.splice(index, 1);
  checks.splice(index, 1);
  checked.splice(index, 1);
  edited();
  render();
  (document.getElementById(`row-${Math.min(index, rows.length - 1)}-name`) ?? document.getElementById('add-row'))?.focus();
}

/** The value goes to the provider as a stage secret; the row (and later the file) only names it. */
async function toSecret(index: number): Promise<void> {
  const row = rows[index];
  if (row.value.kind !== 'text') return;
  banner.progress(`Storing ${row.name} as a secret of ${init?.header.stage ?? 'the stage'}…`);
  try {
    const { secret } = await channel.request('environment.keepSecret', { name: row.name, value: row.value.text });
    row.value = { kind: 'secret', secret };
    checks[index] = { ...checks[index], secretLike: undefined };
    edited();
    render();
    banner.info(`${row.name} is stored as a secret of ${init?.header.stage ?? 'the stage'} by the ${init?.header.provider ?? ''} provider. Save to write the reference { secret: ${secret} } to stagecraft.yaml.`);
    document.getElementById(`row-${index}-value`)?.focus();
  } catch (err) {
    banner.error(errorOf(err));
  }
}

function toPlain(index: number): void {
  rows[index].value = { kind: 'text', text: '' };
  edited();
  render();
  document.getElementById(`row-${index}-value`)?.focus();
}

function discard(): void {
  if (!init) return;
  rows = init.rows.map(r => ({ name: r.name, value: { ...r.value } }));
  baseRevision = init.revision;
  dirty = false;
  withheldNotice = false;
  saveDraft();
  render();
  void check();
}

async function saveRows(): Promise<void> {
  banner.progress('Saving…');
  try {
    const { changed } = await whileBusy(['save', 'apply'], () => channel.request('environment.save', { rows }));
    dirty = false;
    withheldNotice = false;
    saveDraft();
    banner.info(savedMessage(changed, 'Nothing to save: stagecraft.yaml already has these values.'));
    (document.getElementById('apply') as HTMLElement | null)?.focus();
  } catch (err) {
    const reply = errorOf(err);
    if (reply.fields) {
      problems = reply.fields;
      showChecks();
    }
    banner.error(reply);
  }
}

async function apply(): Promise<void> {
  await applyToStage(banner, { dirty, stage: init?.header.stage ?? '', send: () => channel.request('environment.apply', {}) });
}
