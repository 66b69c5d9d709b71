/**
 * The rules for what a user may type as a variable name, a variable's value, a secret or an
 * origin: one place, used by the CLI, the panels' host side and `validate`. A problem message
 * names the field and never quotes a value that may be a secret.
 */
export { originProblem } from './origins';

/** Environment variable names as POSIX shells and ECS accept them. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Names the platform sets for every stage; a stage may not set them itself. */
export const RESERVED_ENV_NAMES = ['PORT', 'COMMIT_HASH', 'STAGE_NAME'] as const;

/** Valid shell names that a JavaScript object would treat as its prototype, not as a key. */
const PROTOTYPE_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/** Secret names as the providers store them (AWS Secrets Manager's character set). */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]+$/;

export function envNameProblem(name: string): string | undefined {
  if (!ENV_NAME.test(name)) {
    return `"${name}" is not a valid environment variable name: use letters, digits and underscores, not starting with a digit`;
  }
  if ((RESERVED_ENV_NAMES as readonly string[]).includes(name)) {
    return `"${name}" is set by Stagecraft for every stage and cannot be overridden`;
  }
  if (PROTOTYPE_NAMES.has(name)) {
    return `"${name}" cannot be kept as a variable name: JavaScript reserves it, so Stagecraft would lose it; choose another name`;
  }
  return undefined;
}

/** Why the plain value of variable `name` cannot be kept; the value itself is never quoted. */
export function envValueProblem(name: string, value: string): string | undefined {
  if (value.includes('\0')) return `the value of ${name} contains a NUL byte, which no environment variable can hold`;
  return undefined;
}

/** Why `value` cannot be stored as secret `name`: checked before anything is stored. Never quotes the value. */
export function secretValueProblem(name: string, value: string): string | undefined {
  if (value.length === 0) return `the secret ${name} is empty`;
  if (value.includes('\0')) return `the secret ${name} contains a NUL byte, which no environment variable can hold; nothing was stored`;
  return undefined;
}

export function secretNameProblem(secret: string): string | undefined {
  if (!SECRET_NAME.test(secret)) return `"${secret}" is not a secret name: use letters, digits and / _ + = . @ -`;
  return undefined;
}
