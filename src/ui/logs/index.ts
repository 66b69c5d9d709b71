/** Tail Logs: log terminals for stages (local files or CloudWatch, through the provider). */
export { registerTailLogs, LogTerminals } from './tailLogsCommand';
export { LogTerminal, type LogSource, type LogTerminalOptions } from './logTerminal';
export { pickLogOptions, type TailLogsRequest } from './pickLogOptions';
