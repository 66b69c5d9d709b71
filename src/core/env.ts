/** Environment variable names as POSIX shells and ECS accept them. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Names the platform sets for every stage; a stage may not set them itself. */
export const RESERVED_ENV_NAMES = ['PORT', 'COMMIT_HASH', 'STAGE_NAME'] as const;

export function envNameProblem(name: string): string | undefined {
  if (!ENV_NAME.test(name)) {
    return `"${name}" is not a valid environment variable name: use letters, digits and underscores, not starting with a digit`;
  }
  if ((RESERVED_ENV_NAMES as readonly string[]).includes(name)) {
    return `"${name}" is set by Stagecraft for every stage and cannot be overridden`;
  }
  return undefined;
}
