/** Naming rules shared by the schema, the Add Stage flows and the providers. */

/** A stack or stage name: a letter, then letters, digits and hyphens; a provider may add its own limits. */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]*$/;

const PROTECTED_BY_DEFAULT = new Set(['prod', 'production']);

/** `<stack>-<stage>`: the name providers give what they create for a stage. */
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
