/** Naming rules shared by the schema, the Add Stage flows and the providers. */

/** CloudFormation's stack-name rule. */
export const CLOUDFORMATION_STACK_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;
export const CLOUDFORMATION_STACK_NAME_MAX = 128;

/** Stack and stage names each follow the CloudFormation rule on their own, so their join does too. */
export const NAME_PATTERN = CLOUDFORMATION_STACK_NAME;

const PROTECTED_BY_DEFAULT = new Set(['prod', 'production']);

/** The CloudFormation stack (and local process group) name of a stage. */
export function stageStackName(stack: string, stage: string): string {
  return `${stack}-${stage}`;
}

/** Why `name` is not a valid stack or stage name, or undefined when it is. */
export function nameProblem(name: string, what: 'stack' | 'stage'): string | undefined {
  if (name.length === 0) return `a ${what} name cannot be empty`;
  if (!NAME_PATTERN.test(name)) {
    return `"${name}" is not a valid ${what} name: start with a letter, then use only letters, digits and hyphens`;
  }
  if (name.endsWith('-')) return `"${name}" is not a valid ${what} name: it cannot end with a hyphen`;
  return undefined;
}

/** Why `<stack>-<stage>` would be rejected by CloudFormation, or undefined. */
export function stackNameProblem(stack: string, stage: string): string | undefined {
  const full = stageStackName(stack, stage);
  if (full.length > CLOUDFORMATION_STACK_NAME_MAX) {
    return `"${full}" is ${full.length} characters; CloudFormation allows at most ${CLOUDFORMATION_STACK_NAME_MAX}`;
  }
  return undefined;
}

export function isProtectedByDefault(stage: string): boolean {
  return PROTECTED_BY_DEFAULT.has(stage.toLowerCase());
}

/** Turns a git user name or e-mail into a stage name: "Jane Doe" → "jane-doe". */
export function slugifyStageName(raw: string): string {
  const slug = raw
    .toLowerCase()
    .replace(/@.*$/, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .replace(/^[0-9-]+/, '');
  return slug || 'dev';
}
