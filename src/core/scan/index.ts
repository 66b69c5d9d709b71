/**
 * Secret scanning on secretlint: the recommended preset plus Stagecraft's rules for database
 * connection strings and secret-named variables, `.secretlintrc*` / `.secretlintignore` and
 * inline `secretlint-disable-*` comments honoured. Used by `stagecraft scan`, the pre-commit
 * hook, the editor's diagnostics on save, and the pipeline's build stage (`scanTree`).
 */
export type { Finding, FindingSeverity, ScanOptions, ScanProgress, ScanReport, SkippedFile, SkipReason } from './types';
export { scanTree, scanPaths, scanStaged } from './sources';
export { scanText, scanGate, type ScanGate } from './scanner';
export { loadScanConfig, type ScanConfig } from './config';
export { skipReason, isBinary, DEFAULT_MAX_FILE_BYTES } from './content';
export { formatText, formatJson, formatSarif, summaryLine, SCAN_FORMATS, type ScanFormat } from './format';
export { isSecretlintLoaded } from './secretlint';
export { DATABASE_CREDENTIALS_RULE_ID } from './rules/databaseCredentials';
export { ENV_SECRETS_RULE_ID } from './rules/envSecrets';
