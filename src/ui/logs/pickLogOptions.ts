import * as vscode from 'vscode';
import { StagecraftError } from '../../core/errors';
import type { LogOptions } from '../../core/provider';

/** What Tail Logs shows; also what callers (tests, other commands) may pass instead of being asked. */
export interface TailLogsRequest {
  kind?: 'app' | 'access';
  follow?: boolean;
  /** Minutes back to start from (default 10). */
  sinceMinutes?: number;
  /** A CloudWatch-style filter pattern; empty for every line. */
  filter?: string;
}

export const DEFAULT_SINCE_MINUTES = 10;

/** What plain Tail Logs shows without asking: the app log, followed, from 10 minutes back, every line. */
export const DEFAULT_TAIL: Required<TailLogsRequest> = { kind: 'app', follow: true, sinceMinutes: DEFAULT_SINCE_MINUTES, filter: '' };

/**
 * What to show. Tail Logs asks nothing (`ask` false: what the request leaves out is DEFAULT_TAIL);
 * "Tail Logs…" asks for the log and follow, since how many minutes, and the filter, unless the
 * request says it.
 */
export async function pickLogOptions(stageName: string, request: TailLogsRequest = {}, ask = true): Promise<LogOptions> {
  if (!ask) request = { ...DEFAULT_TAIL, ...definedOnly(request) };
  let { kind, follow } = request;
  if (kind === undefined) {
    const items: Array<vscode.QuickPickItem & { log: 'app' | 'access'; follow: boolean }> = [
      { label: '$(output) Application log', description: 'follow', detail: "The app's output, new lines as they come", log: 'app', follow: true },
      { label: '$(globe) Access log', description: 'follow', detail: 'HTTP requests with their status, new lines as they come', log: 'access', follow: true },
      { label: '$(output) Application log', description: 'recent lines only', detail: 'Show the last minutes and stop', log: 'app', follow: false },
      { label: '$(globe) Access log', description: 'recent lines only', detail: 'Show the last minutes and stop', log: 'access', follow: false },
    ];
    const picked = await vscode.window.showQuickPick(items, { title: `Tail Logs: ${stageName}`, placeHolder: 'Which log?' });
    if (!picked) throw StagecraftError.cancelled('Tail Logs');
    kind = picked.log;
    follow ??= picked.follow;
  }
  let sinceMinutes = request.sinceMinutes;
  if (sinceMinutes === undefined) {
    const text = await vscode.window.showInputBox({
      title: `Tail Logs: ${stageName}`,
      prompt: 'Start how many minutes back?',
      value: String(DEFAULT_SINCE_MINUTES),
      validateInput: v => (/^\d+(\.\d+)?$/.test(v.trim()) && Number(v) > 0 ? undefined : 'a number of minutes, for example 10'),
    });
    if (text === undefined) throw StagecraftError.cancelled('Tail Logs');
    sinceMinutes = Number(text.trim());
  }
  let filter = request.filter;
  if (filter === undefined) {
    const text = await vscode.window.showInputBox({
      title: `Tail Logs: ${stageName}`,
      prompt: 'Filter pattern (empty: every line). Terms must all appear; "exact phrase", ?either ?or, -exclude, %regex%.',
      placeHolder: 'ERROR ?timeout -healthcheck',
    });
    if (text === undefined) throw StagecraftError.cancelled('Tail Logs');
    filter = text;
  }
  if (!(sinceMinutes > 0)) throw new StagecraftError(`Tail Logs: "since" must be a positive number of minutes (got ${sinceMinutes}).`, { kind: 'input' });
  return { kind, follow: follow ?? true, sinceMs: Math.round(sinceMinutes * 60_000), ...(filter.trim() ? { filter: filter.trim() } : {}) };
}

function definedOnly(request: TailLogsRequest): TailLogsRequest {
  return Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined)) as TailLogsRequest;
}
