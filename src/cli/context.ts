/** The CLI's command contract lives in core, so provider modules can add verbs without importing src/cli. */
export { requireStack } from '../core/commandLine';
export type { CliCommand, CliContext } from '../core/providerModule';
