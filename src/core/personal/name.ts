import { nameProblem } from '../naming';

/** Longest personal stage name: short enough for a readable stack name and AWS resource names built from it. */
export const PERSONAL_NAME_MAX = 32;

export interface PersonalName {
  name?: string;
  /** Why no name could be made, with `hint` saying how to fix it. */
  problem?: string;
  hint?: string;
}

const OVERRIDE_HINT = 'Choose the name yourself: `git config stagecraft.stage NAME` (letters, digits and hyphens, starting with a letter).';

/**
 * The stage name of a developer: `git config stagecraft.stage` when set, else the git user
 * slugged ("Zoë O'Brien" → "zoe-o-brien", "jane.doe@x.org" → "jane-doe"), CloudFormation-safe.
 */
export function personalStageName(stack: string, user: string, override?: string): PersonalName {
  if (override !== undefined && override !== '') {
    const bad = nameProblem(override, 'stage') ?? lengthProblem(stack, override);
    return bad ? { problem: `git config stagecraft.stage: ${bad}`, hint: OVERRIDE_HINT } : { name: override };
  }
  const slug = slugify(user);
  if (!slug) {
    return { problem: `cannot make a stage name from the git user "${user}": it has no letters a stage name may use (a-z, 0-9)`, hint: OVERRIDE_HINT };
  }
  const bad = lengthProblem(stack, slug);
  return bad ? { problem: bad, hint: OVERRIDE_HINT } : { name: slug };
}

function slugify(raw: string): string {
  return raw
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/@.*$/, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, PERSONAL_NAME_MAX)
    .replace(/-+$/g, '');
}

/** The 32-character cap keeps `<stack>-<name>` within what providers allow (a provider's own rule is checked when the stage is used). */
function lengthProblem(_stack: string, name: string): string | undefined {
  return name.length > PERSONAL_NAME_MAX ? `"${name}" is longer than ${PERSONAL_NAME_MAX} characters` : undefined;
}
