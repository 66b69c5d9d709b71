import { newStageProblem, StackFileEditor, type NewStage } from '../../core/config/edit';
import type { Stack } from '../../core/model';
import type { AddStageField, ProviderLookup } from '../../core/providerModule';
import { FormError, type RequestHandlers } from '../channel';
import type { AddStageForm, AddStageProviderChoice, FieldProblems } from '../messages';
import type { StackFilePort } from './stackFile';

/** The provider choices of the form, each with its own fields and their first values. */
export function addStageChoices(providers: ProviderLookup): AddStageProviderChoice[] {
  return providers.names().map(name => {
    const module = providers.module(name)!;
    return {
      name,
      description: module.description,
      fields: (module.addStageFields ?? []).map(f => ({
        key: f.key,
        label: f.label,
        kind: f.kind,
        hint: f.hint,
        placeholder: f.placeholder,
        initial: f.initial?.() ?? (f.kind === 'checkbox' ? false : ''),
        followsProtection: f.followsProtection,
      })),
    };
  });
}

/**
 * Every problem of an Add Stage form, by field. The name goes through the one core rule for new
 * stages (naming rule, the provider's own limits, uniqueness), so the form, the quick-pick flow
 * and `stagecraft stage add` refuse the same names with the same words.
 */
export function addStageProblems(stack: Pick<Stack, 'name' | 'stages'>, form: AddStageForm, providers: ProviderLookup): FieldProblems {
  const problems: FieldProblems = {};
  const module = providers.module(form.provider);
  const name = newStageProblem(stack, form.name, module?.stageNameProblem?.bind(module));
  if (name) problems.name = name;
  if (!module) problems.provider = `"${form.provider}" is not a provider of this Stagecraft (it has: ${providers.names().join(', ')})`;
  for (const field of textFields(module?.addStageFields)) {
    const problem = field.problem?.(textOption(form, field.key));
    if (problem) problems[field.key] = problem;
  }
  if (form.after !== undefined && form.after !== '' && !stack.stages.some(s => s.name === form.after)) {
    problems.after = `stack "${stack.name}" has no stage named "${form.after}" to follow`;
  }
  const bad = splitPatterns(form.branches).find(p => /\s/.test(p));
  if (bad !== undefined) problems.branches = `"${bad}" is not a branch pattern: patterns contain no spaces (separate them with commas)`;
  return problems;
}

function textFields(fields: readonly AddStageField[] | undefined): AddStageField[] {
  return (fields ?? []).filter(f => f.kind === 'text');
}

function textOption(form: AddStageForm, key: string): string {
  const v = form.options[key];
  return typeof v === 'string' ? v : '';
}

/** The form as the stack file editor takes it; call only when addStageProblems() found nothing. */
export function toNewStage(form: AddStageForm, providers: ProviderLookup): NewStage {
  const options: Record<string, string | boolean> = {};
  // Only the chosen provider's fields, in its order; an empty text is left out of the file.
  for (const field of providers.module(form.provider)?.addStageFields ?? []) {
    const value = field.kind === 'text' ? textOption(form, field.key) : form.options[field.key] === true;
    if (value !== '') options[field.key] = value;
  }
  return {
    name: form.name,
    provider: form.provider,
    options,
    database: form.database ? 'postgres' : undefined,
    requireApproval: form.requireApproval,
    after: form.after === '' ? undefined : form.after,
    first: form.after === '',
    branches: splitPatterns(form.branches),
  };
}

export function splitPatterns(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map(p => p.trim())
    .filter(Boolean);
}

/** The Add Stage form's host side: validation as you type, and Create (which writes the file). */
export function addStageHandlers(port: StackFilePort, providers: ProviderLookup, onCreated: (stage: string) => void = () => undefined): Pick<RequestHandlers, 'addStage.validate' | 'addStage.create'> {
  const refuse = (stack: Pick<Stack, 'name' | 'stages'>, form: AddStageForm) => {
    const problems = addStageProblems(stack, form, providers);
    const first = Object.values(problems)[0];
    if (first) throw new FormError(`Stage not added: ${first}.`, problems);
  };
  return {
    'addStage.validate': async ({ form }) => ({ problems: addStageProblems(await port.stack(), form, providers) }),
    'addStage.create': async ({ form }) => {
      refuse(await port.stack(), form);
      await port.edit(`Adding stage "${form.name}"`, (text, stack) => {
        refuse(stack, form); // against the text being edited, which may have changed since
        const editor = new StackFileEditor(text, stack.file);
        editor.addStage(toNewStage(form, providers), stack);
        return editor.toString();
      });
      onCreated(form.name);
      return { stage: form.name };
    },
  };
}
