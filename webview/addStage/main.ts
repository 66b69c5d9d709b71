import { provideVSCodeDesignSystem, vsCodeButton, vsCodeCheckbox, vsCodeDropdown, vsCodeOption, vsCodeTextField } from '@vscode/webview-ui-toolkit';
import type { AddStageForm, AddStageInit, FieldProblems } from '../../src/protocol/messages';
import { errorOf, PageChannel } from '../shared/channel';
import { Banner, button, h, header, mount, showProblem, textField, type Field, type ToolkitCheckbox, type ToolkitInput } from '../shared/ui';

provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeCheckbox(), vsCodeDropdown(), vsCodeOption(), vsCodeTextField());

/** The draft kept across hide/show: the form as typed (it holds no secrets). */
interface Draft {
  stack: string;
  form: AddStageForm;
  touched: string[];
  /** Whether the user set the approval (or a provider's) boxes themselves (then a name like prod no longer ticks them). */
  optionsTouched: boolean;
}

const END = 'end';
const FIRST = 'first';
const app = document.getElementById('app')!;
const banner = new Banner();
let init: AddStageInit | undefined;
let draft: Draft | undefined;
/** The text fields by key: name, branches and the chosen provider's texts (region…). */
let fields: Record<string, Field> | undefined;
let validateSeq = 0;
let submitted = false;

const channel = new PageChannel<AddStageInit, Draft>('addStage', next => {
  const first = init === undefined;
  init = next;
  if (first) {
    const saved = channel.state;
    if (next.restored) {
      // Reopened after "Create stage?" was cancelled (or failed): the form it was closed with.
      draft = { stack: next.stack, form: next.restored.form, touched: Object.keys(next.restored.form), optionsTouched: true };
    } else {
      draft = saved && saved.stack === next.stack ? saved : { stack: next.stack, form: emptyForm(next), touched: [], optionsTouched: false };
    }
    render();
    fields!.name.input.focus();
    channel.interactive();
    save();
    // Always: Create stays disabled until the name is valid.
    void validate();
  } else {
    // The stack changed on disk (another stage added, …): keep what was typed, refresh the choices.
    render();
    void validate();
  }
});

function emptyForm(i: AddStageInit): AddStageForm {
  const options = Object.fromEntries(i.providers.flatMap(p => p.fields.map(f => [f.key, f.initial] as const)));
  return { name: '', provider: i.defaultProvider, options, database: false, requireApproval: false, after: i.defaultAfter, branches: '' };
}

function save(): void {
  if (!draft || !init) return;
  channel.state = draft;
  channel.edits(isDirty(), { panel: 'addStage', form: draft.form });
}

/** Whether the form differs from the empty one it opened with. */
function isDirty(): boolean {
  return !submittedOk && JSON.stringify(draft!.form) !== JSON.stringify(emptyForm(init!));
}
let submittedOk = false;
/** Whether the name is valid as last checked: Create is disabled while it is not. */
let nameProblem: string | undefined = 'unchecked';

function setCreateEnabled(): void {
  const create = document.getElementById('create') as (HTMLElement & { disabled: boolean }) | null;
  if (create) create.disabled = nameProblem !== undefined || creating;
}
let creating = false;

function render(): void {
  if (!init || !draft) return;
  const form = draft.form;
  const touch = (key: string) => {
    if (!draft!.touched.includes(key)) draft!.touched.push(key);
  };
  const name = textField('name', 'Stage name', {
    value: form.name,
    placeholder: 'e.g. qa, staging, jane',
    hint: 'Letters, digits and hyphens, starting with a letter. Used in resource names.',
    onInput: value => {
      form.name = value;
      touch('name');
      if (!draft!.optionsTouched) {
        const isProtected = init!.protectedByDefault.includes(value.toLowerCase());
        form.requireApproval = isProtected;
        approval.checked = isProtected;
        for (const [key, box] of protectionBoxes) {
          form.options[key] = isProtected;
          box.checked = isProtected;
        }
      }
      changed();
    },
  });
  const branches = textField('branches', 'Branch patterns', {
    value: form.branches,
    placeholder: 'release/*, hotfix/**',
    hint: 'Comma-separated. Pushes to matching branches deploy to this stage. Empty uses the GitFlow defaults.',
    onInput: value => ((form.branches = value), touch('branches'), changed()),
  });
  fields = { name, branches };

  const option = (id: string, label: string, checked: boolean, set: (v: boolean) => void) => {
    const box: ToolkitCheckbox = h('vscode-checkbox', {
      attrs: { id },
      props: { checked },
      on: { change: () => ((draft!.optionsTouched = draft!.optionsTouched || id !== 'database'), set(box.checked), changed()) },
    }, label);
    return box;
  };
  const database = option('database', 'Create Postgres database for stage', form.database, v => (form.database = v));
  const approval = option('requireApproval', 'Require manual approval before promoting to this stage', form.requireApproval, v => (form.requireApproval = v));

  // Each provider's own fields (region, profile, load balancer…), shown while it is chosen.
  const protectionBoxes = new Map<string, ToolkitCheckbox>();
  const groups = init.providers.map(choice => {
    const parts = choice.fields.map(f => {
      if (f.kind === 'checkbox') {
        const box = option(f.key, f.label, form.options[f.key] === true, v => (form.options[f.key] = v));
        if (f.followsProtection) protectionBoxes.set(f.key, box);
        return box;
      }
      const field = textField(f.key, f.label, {
        value: typeof form.options[f.key] === 'string' ? (form.options[f.key] as string) : '',
        placeholder: f.placeholder,
        hint: f.hint,
        onInput: value => ((form.options[f.key] = value), touch(f.key), changed()),
      });
      fields![f.key] = field;
      return field.root;
    });
    const group = h('div', { attrs: { id: `${choice.name}-fields`, class: 'group' } }, ...parts);
    group.hidden = form.provider !== choice.name;
    return { name: choice.name, group };
  });

  const provider = h<ToolkitInput>(
    'vscode-dropdown',
    {
      attrs: { id: 'provider', 'aria-labelledby': 'provider-label' },
      on: { change: () => ((form.provider = provider.value), groups.forEach(g => (g.group.hidden = g.name !== form.provider)), changed()) },
    },
    ...init.providers.map(p => h('vscode-option', { attrs: { value: p.name, selected: form.provider === p.name } }, `${p.name}: ${p.description}`)),
  );
  const providerField = h('div', { attrs: { class: 'field' } }, h('label', { attrs: { id: 'provider-label', for: 'provider', class: 'label' } }, 'Provider'), provider);

  const stages = init.existingStages;
  const positionValue = form.after === undefined ? END : form.after === '' ? FIRST : `after:${form.after}`;
  const position = h<ToolkitInput>(
    'vscode-dropdown',
    { attrs: { id: 'position', 'aria-labelledby': 'position-label' }, on: { change: () => ((form.after = afterOf(position.value)), touch('after'), changed()) } },
    ...(stages.length > 0
      ? [
          h('vscode-option', { attrs: { value: END, selected: positionValue === END } }, `last (after ${stages[stages.length - 1]})`),
          ...stages.slice(0, -1).reverse().map(s => h('vscode-option', { attrs: { value: `after:${s}`, selected: positionValue === `after:${s}` } }, `after ${s}`)),
          h('vscode-option', { attrs: { value: FIRST, selected: positionValue === FIRST } }, 'first'),
        ]
      : [h('vscode-option', { attrs: { value: END, selected: true } }, 'first (the stack has no stages yet)')]),
  );
  const positionMessage = h('div', { attrs: { id: 'position-message', class: 'field-message', role: 'status', 'aria-live': 'polite' } });

  const create = button('Create Stage', () => void submit(), { id: 'create', appearance: 'primary', disabled: nameProblem !== undefined || creating });
  const quickPick = button('Use prompts instead', () => void channel.request('addStage.useQuickPick', {}).catch(err => banner.error(errorOf(err))), { id: 'use-prompts' });
  const openFile = button('Open stagecraft.yaml', () => void channel.request('stack.open', {}).catch(err => banner.error(errorOf(err))), { id: 'open-file' });

  mount(
    app,
    header('Add Stage', ['to stack ', h('strong', { attrs: { id: 'stack-name' } }, init.stack), stages.length > 0 ? ` (promotion order: ${stages.join(' → ')})` : '']),
    banner.root,
    h('div', { attrs: { class: 'form', id: 'add-stage-form' }, on: { keydown: onKeydown } },
      name.root,
      providerField,
      ...groups.map(g => g.group),
      h('fieldset', h('legend', 'Options'), database, approval),
      h('div', { attrs: { class: 'field' } }, h('label', { attrs: { id: 'position-label', for: 'position', class: 'label' } }, 'Position in the stage order'), position, positionMessage),
      branches.root,
      h('div', { attrs: { class: 'actions' } }, create, quickPick, openFile),
    ),
  );
  app.setAttribute('aria-busy', 'false');
  positionField = { input: position, message: positionMessage };
}

let positionField: Pick<Field, 'input' | 'message'> | undefined;

function afterOf(value: string): string | undefined {
  if (value === FIRST) return '';
  if (value.startsWith('after:')) return value.slice('after:'.length);
  return undefined;
}

/** Enter in a text field creates the stage, as a form would. */
function onKeydown(event: KeyboardEvent): void {
  const target = event.target as HTMLElement;
  if (event.key === 'Enter' && target.tagName === 'VSCODE-TEXT-FIELD') {
    event.preventDefault();
    void submit();
  }
}

let validateTimer: ReturnType<typeof setTimeout> | undefined;
function changed(): void {
  banner.edited();
  save();
  clearTimeout(validateTimer);
  validateTimer = setTimeout(() => void validate(), 60);
}

async function validate(): Promise<void> {
  if (!draft) return;
  const seq = ++validateSeq;
  try {
    const { problems } = await channel.request('addStage.validate', { form: draft.form });
    if (seq !== validateSeq) return;
    nameProblem = problems.name;
    setCreateEnabled();
    showProblems(problems);
  } catch (err) {
    if (seq !== validateSeq) return;
    nameProblem = undefined; // the host checks again on Create
    setCreateEnabled();
    banner.error(errorOf(err));
  }
}

/** Inline messages for the fields the user has touched (all of them after a Create attempt). */
function showProblems(problems: FieldProblems): void {
  if (!fields || !draft) return;
  const shown = (key: string) => submitted || draft!.touched.includes(key);
  for (const [key, field] of Object.entries(fields)) showProblem(field, shown(key) ? problems[key] : undefined);
  if (positionField) showProblem(positionField, problems.after);
}

async function submit(): Promise<void> {
  if (!draft) return;
  if (creating) return;
  submitted = true;
  creating = true;
  setCreateEnabled();
  banner.progress(`Adding stage "${draft.form.name}"…`);
  try {
    const { stage } = await channel.request('addStage.create', { form: draft.form });
    banner.info(`Stage "${stage}" added to stagecraft.yaml.`);
    submittedOk = true;
    channel.state = undefined;
    channel.edits(false);
  } catch (err) {
    const reply = errorOf(err);
    showProblems(reply.fields ?? {});
    banner.error(reply);
    const firstBad = reply.fields && Object.keys(fields ?? {}).find(k => reply.fields![k]);
    if (firstBad && fields) fields[firstBad].input.focus();
  } finally {
    creating = false;
    setCreateEnabled();
  }
}
