import { withStageLock } from '../core/stageLock';
import type { CliContext } from './context';

/** `--no-wait` for the commands that change a stage. */
export const noWaitOption = { 'no-wait': { type: 'boolean' } } as const;

/**
 * Runs a change of a stage under its lock (src/core/stageLock.ts): while another process
 * changes the stage, says who ("waiting for run X (deploying dev since 12:03)") and waits
 * (Ctrl+C cancels), or with --no-wait fails at once.
 */
export function underStageLock<T>(ctx: CliContext, root: string, stage: string, action: string, noWait: boolean | undefined, fn: () => Promise<T>): Promise<T> {
  return withStageLock(root, stage, { action }, fn, {
    wait: !noWait,
    signal: ctx.signal,
    onWait: (_holder, message) => ctx.err(`⏳ ${stage}: ${message} (Ctrl+C to stop waiting)`),
  });
}
