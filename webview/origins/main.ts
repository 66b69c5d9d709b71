import { provideVSCodeDesignSystem, vsCodeButton, vsCodeTextField } from '@vscode/webview-ui-toolkit';
import type { FieldProblems, OriginsInit } from '../../src/protocol/messages';
import { errorOf, PageChannel } from '../shared/channel';
import { applyToStage, Banner, button, h, header, mount, providerNote, showProblem, textField, savedMessage, whileBusy, type Field } from '../shared/ui';

provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeTextField());

interface Draft {
  stage: string;
  revision: string;
  origins: string[];
  adding: string;
}

const app = document.getElementById('app')!;
const banner = new Banner();
let init: OriginsInit | undefined;
let origins: string[] = [];
let adding = '';
let problems: FieldProblems = {};
let addProblem: string | undefined;
let dirty = false;
let baseRevision = '';
let seq = 0;
let fields: Field[] = [];
let addField: Field | undefined;

const channel = new PageChannel<OriginsInit, Draft>('origins', next => {
  const first = init === undefined;
  init = next;
  const saved = channel.state;
  if (first && next.restored) {
    // Reopened after "Save changes?" was cancelled (or the save failed): the edits it was closed with.
    origins = [...next.restored.origins];
    adding = next.restored.adding;
    baseRevision = next.revision;
    dirty = true;
  } else if (first && saved && saved.stage === next.header.stage) {
    origins = [...saved.origins];
    adding = saved.adding;
    baseRevision = saved.revision;
    dirty = saved.origins.join('\n') !== next.origins.join('\n') || adding !== '';
  } else if (first || !dirty) {
    origins = [...next.origins];
    baseRevision = next.revision;
    dirty = false;
  }
  const focused = document.activeElement?.id;
  render();
  if (focused) document.getElementById(focused)?.focus();
  if (first) {
    addField?.input.focus();
    channel.interactive();
    saveDraft(); // a restored draft marks the tab at once
  }
  void check();
});

function saveDraft(): void {
  if (!init) return;
  channel.edits(dirty, { panel: 'origins', origins, adding });
  channel.state = dirty ? { stage: init.header.stage, revision: baseRevision, origins, adding } : undefined;
}

function edited(): void {
  dirty = true;
  banner.edited();
  saveDraft();
  clearTimeout(timer);
  timer = setTimeout(() => void check(), 60);
}
let timer: ReturnType<typeof setTimeout> | undefined;
/** The value being added that `addProblem` was found for: a fast Enter must not meet the last value's problem. */
let checkedAdding: string | undefined;

async function check(): Promise<void> {
  const mine = ++seq;
  try {
    const value = adding.trim();
    const list = value ? [...origins, value] : origins;
    const result = await channel.request('origins.check', { origins: list });
    if (mine !== seq) return;
    problems = result.problems;
    addProblem = value ? result.problems[`origins.${origins.length}`] : undefined;
    checkedAdding = value;
    showChecks();
  } catch (err) {
    if (mine === seq) banner.error(errorOf(err));
  }
}

function render(): void {
  if (!init) return;
  const i = init;
  fields = origins.map((origin, index) =>
    textField(`origin-${index}`, '', { value: origin, ariaLabel: `Origin ${index + 1}`, onInput: v => ((origins[index] = v), edited()) }),
  );
  addField = textField('new-origin', 'Add an origin', {
    value: adding,
    placeholder: 'https://app.example.com',
    hint: 'scheme://host[:port], with no path. Press Enter to add.',
    onInput: v => ((adding = v), edited()),
  });
  addField.input.addEventListener('keydown', (event: KeyboardEvent) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      void add();
    }
  });
  mount(
    app,
    header('Origins', ['of stage ', h('strong', { attrs: { id: 'stage-name' } }, i.header.stage), ' in ', h('strong', i.header.stack), ` · ${i.header.provider}`, providerNote(i.header)]),
    h('p', { attrs: { class: 'note', id: 'explanation' } },
      'Web pages served from these origins may call the stage from a browser (CORS). ',
      origins.length === 0
        ? 'The list is empty, so the default applies: only pages served from this machine (http://localhost, http://127.0.0.1 or http://[::1], any port) may call it.'
        : 'Pages from anywhere else are refused. With an empty list only pages served from this machine (localhost) may call it.',
    ),
    dirty && init.revision !== baseRevision ? h('p', { attrs: { class: 'banner error', role: 'alert' } }, 'stagecraft.yaml changed since this draft was started. ', button('Discard draft', discard, { id: 'discard' })) : null,
    banner.root,
    origins.length > 0
      ? h('ul', { attrs: { id: 'origins', class: 'origins', 'aria-label': 'Allowed origins' } },
          ...fields.map((f, index) => h('li', { attrs: { class: 'origin-row' } }, f.root, button('Remove', () => remove(index), { id: `origin-${index}-remove`, ariaLabel: `Remove ${origins[index] || `origin ${index + 1}`}` }))),
        )
      : h('p', { attrs: { id: 'no-origins' } }, 'No origins listed: localhost only.'),
    h('div', { attrs: { class: 'add-row' } }, addField.root, button('Add', () => void add(), { id: 'add' })),
    h('div', { attrs: { class: 'actions' } },
      button('Save', () => void save(), { id: 'save', appearance: 'primary' }),
      button('Apply to stage', () => void apply(), { id: 'apply' }),
      button('Open stagecraft.yaml', () => void channel.request('stack.open', {}).catch(err => banner.error(errorOf(err))), { id: 'open-file' }),
    ),
  );
  app.setAttribute('aria-busy', 'false');
  showChecks();
}

function showChecks(): void {
  fields.forEach((f, index) => showProblem(f, problems[`origins.${index}`]));
  if (addField) showProblem(addField, addProblem);
}

async function add(): Promise<void> {
  const value = adding.trim();
  if (!value) return;
  if (checkedAdding !== value) {
    // Typed faster than the check that follows each edit: check this value now.
    clearTimeout(timer);
    await check();
    if (adding.trim() !== value) return; // edited again meanwhile; that edit checks itself
  }
  // A check that could not run leaves the host's check on Save to refuse a bad value.
  if (checkedAdding === value && addProblem) {
    addField?.input.focus();
    return;
  }
  origins.push(value);
  adding = '';
  edited();
  render();
  addField?.input.focus();
}

function remove(index: number): void {
  origins.splice(index, 1);
  edited();
  render();
  (document.getElementById(`origin-${Math.min(index, origins.length - 1)}`) ?? addField?.input)?.focus();
}

function discard(): void {
  if (!init) return;
  origins = [...init.origins];
  adding = '';
  baseRevision = init.revision;
  dirty = false;
  saveDraft();
  render();
  void check();
}

async function save(): Promise<void> {
  if (adding.trim()) await add();
  if (adding.trim()) {
    banner.error({ kind: 'input', message: `Not saved: ${addProblem ?? 'the origin being added is not valid'}.` });
    return;
  }
  banner.progress('Saving…');
  try {
    const { changed } = await whileBusy(['save', 'apply'], () => channel.request('origins.save', { origins }));
    dirty = false;
    saveDraft();
    banner.info(savedMessage(changed, 'Nothing to save: stagecraft.yaml already lists these origins.'));
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
  await applyToStage(banner, { dirty, stage: init?.header.stage ?? '', send: () => channel.request('origins.apply', {}) });
}
