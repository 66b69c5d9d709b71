export * from './types';
export { assembleLedger, buildLedger, runAttempts, type CurrentReleases, type RunAttempts } from './build';
export { loadLedger, type LoadLedgerOptions } from './load';
export { approvalText, describeAttempt, formatLedger } from './format';
