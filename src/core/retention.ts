/** How many artifacts (beyond those in use) and runs per stage are kept; see gc in the providers. */
export const KEEP_VARIABLE = 'STAGECRAFT_KEEP';
export const DEFAULT_KEEP = 5;

export function keepCount(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number.parseInt(env[KEEP_VARIABLE] ?? '', 10);
  return Number.isInteger(n) && n >= 1 ? n : DEFAULT_KEEP;
}
