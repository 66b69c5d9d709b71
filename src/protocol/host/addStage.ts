import { newStageProblem, StackFileEditor, type NewStage } from '../../core/config/edit';
import type { Stack } from '../../core/model';
import { FormError, type RequestHandlers } from '../channel';
import type { AddStageForm, FieldProblems } from '../messages';
import type { StackFilePort } from './stackFile';

/** AWS region names such as us-east-1, eu-central-2, us-gov-west-1 (the quick-pick flow checks the same). */
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const AWS_PROFILE = /^[A-Za-z0-9_.+@-]+$/;

/**
 * Every problem of an Add Stage form, by field. The name goes through the one core rule for new
 * stages (naming rule, CloudFormation length, uniqueness), so the form, the quick-pick flow and
 * `stagecraft stage add` refuse the same names with the same words.
 */
export function addStageProblems(stack: Pick<Stack, 'name' | 'stages'>, form: AddStageForm): FieldProblems {
  const problems: FieldProblems = {};
  const name = newStageProblem(stack, form.name);
  if (name) problems.name = name;
  if (form.provider === 'aws') {
    if (!AWS_REGION.test(form.region)) problems.region = `"${form.region}" is not an AWS region: expected a name such as us-east-1`;
    if (form.profile !== '' && !AWS_PROFILE.test(form.profile)) problems.profile = `"${form.profile}" is not a profile name: use letters, digits and . _ - + @ (empty uses the default credential chain)`;
  }
  if (form.after !== undefined && form.after !== '' && !stack.stages.some(s => s.name === form.after)) {
    problems.after = `stack "${stack.name}" has no stage named "${form.after}" to follow`;
  }
  const bad = splitPatterns(form.branches).find(p => /\s/.test(p));
  if (bad !== undefined) problems.branches = `"${bad}" is not a branch pattern: patterns contain no spaces (separate them with commas)`;
  return problems;
}

/** The form as the stack file editor takes it; call only when addStageProblems() found nothing. */
export function toNewStage(form: AddStageForm): NewStage {
  const aws = form.provider === 'aws';
  return {
    name: form.name,
    provider: form.provider,
    region: aws ? form.region : undefined,
    profile: aws && form.profile !== '' ? form.profile : undefined,
    database: form.database ? 'postgres' : undefined,
    requireApproval: form.requireApproval,
    loadBalancer: form.loadBalancer,
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
export function addStageHandlers(port: StackFilePort, onCreated: (stage: string) => void = () => undefined): Pick<RequestHandlers, 'addStage.validate' | 'addStage.create'> {
  const refuse = (stack: Pick<Stack, 'name' | 'stages'>, form: AddStageForm) => {
    const problems = addStageProblems(stack, form);
    const first = Object.values(problems)[0];
    if (first) throw new FormError(`Stage not added: ${first}.`, problems);
  };
  return {
    'addStage.validate': async ({ form }) => ({ problems: addStageProblems(await port.stack(), form) }),
    'addStage.create': async ({ form }) => {
      refuse(await port.stack(), form);
      await port.edit(`Adding stage "${form.name}"`, (text, stack) => {
        refuse(stack, form); // against the text being edited, which may have changed since
        const editor = new StackFileEditor(text, stack.file);
        editor.addStage(toNewStage(form), stack);
        return editor.toString();
      });
      onCreated(form.name);
      return { stage: form.name };
    },
  };
}
