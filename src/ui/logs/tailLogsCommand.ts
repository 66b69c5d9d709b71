import * as vscode from 'vscode';
import type { Stack, Stage } from '../../core/model';
import { stageLogs } from '../../core/logs';
import type { LogOptions, Provider } from '../../core/provider';
import { registerCommand } from '../commandWrapper';
import { COMMANDS } from '../ids';
import type { ExtensionLog } from '../log';
import type { StackWorkspace } from '../stackWorkspace';
import { resolveStage } from '../stagePicker';
import { LogTerminal } from './logTerminal';
import { pickLogOptions, type TailLogsRequest } from './pickLogOptions';

/**
 * Tail Logs: a terminal per stage and log that follows the stage's application or access log
 * through its provider (local files or CloudWatch). Tail Logs opens the app log, followed, from 10
 * minutes back, without a question; "Tail Logs…" asks which log, since when and a filter. Opening
 * it again for the same stage and log replaces the old one. The command returns the LogTerminal
 * (tests watch what it writes).
 *
 * Arguments: a tree node (or nothing: pick a stage), then optionally a TailLogsRequest.
 */
export function registerTailLogs(context: vscode.ExtensionContext, log: ExtensionLog, workspace: StackWorkspace): LogTerminals {
  const terminals = new LogTerminals(log, workspace);
  context.subscriptions.push(terminals);
  const tail = (ask: boolean) => async (arg?: unknown, request?: TailLogsRequest) => {
    // "Tail Logs…" from a focused log terminal (its title menu, the keybinding) asks about that terminal's stage.
    const { stack, stage } = arg === undefined && ask && terminals.active() ? terminals.active()! : await resolveStage(workspace, arg, 'Tail Logs: which stage?');
    // A stage whose provider is missing is said before any question is asked.
    const provider = await workspace.providers.get(stage.provider, `Tail Logs (${stage.name})`);
    const options = await pickLogOptions(stage.name, request, ask);
    return terminals.open(stack, stage, options, provider);
  };
  // Tail Logs opens at once with the defaults; "Tail Logs…" asks for the log, since and filter.
  registerCommand(context, log, COMMANDS.tailLogs, tail(false));
  registerCommand(context, log, COMMANDS.tailLogsWithOptions, tail(true));
  return terminals;
}

/** The open log terminals, one per stack, stage and log. */
export class LogTerminals implements vscode.Disposable {
  private readonly open_ = new Map<string, LogTerminal>();
  private readonly stages = new Map<LogTerminal, { stack: Stack; stage: Stage }>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly log: ExtensionLog,
    private readonly workspace: StackWorkspace,
  ) {
    this.subscriptions.push(
      vscode.window.onDidCloseTerminal(t => {
        for (const [key, lt] of this.open_) {
          if (lt.terminal === t) {
            this.open_.delete(key);
            this.stages.delete(lt);
            lt.close();
          }
        }
      }),
    );
  }

  async open(stack: Stack, stage: Stage, options: LogOptions, provider?: Provider): Promise<LogTerminal> {
    provider ??= await this.workspace.providers.get(stage.provider, `Tail Logs (${stage.name})`);
    const source = provider;
    const what = options.kind === 'access' ? 'access' : 'app';
    const key = `${stack.root}\u0000${stage.name}\u0000${what}`;
    const previous = this.open_.get(key);
    if (previous) this.stages.delete(previous);
    previous?.dispose();
    this.open_.delete(key);

    const minutes = Math.round(((options.sinceMs ?? 600_000) / 60_000) * 10) / 10;
    const header = [
      `${options.kind === 'access' ? 'Access log' : 'Application log'} of ${stage.name} (${stack.name}, ${this.workspace.providers.describeStage(stage)})`,
      `from ${minutes} min ago`,
      options.filter ? `filter: ${options.filter}` : undefined,
      options.follow ? 'following — Ctrl+C stops, closing the terminal ends it' : undefined,
    ]
      .filter(Boolean)
      .join(' · ');
    const terminal = new LogTerminal(
      { name: `Logs: ${stage.name} (${what})`, kind: options.kind, header, follow: options.follow },
      (signal, notice) => stageLogs(source, stack, stage, options, { signal, log: notice })[Symbol.asyncIterator](),
      err => this.log.error(`Tail Logs (${stage.name}) failed`, err),
    );
    try {
      await terminal.start();
    } catch (err) {
      terminal.dispose();
      throw err;
    }
    terminal.terminal = vscode.window.createTerminal({ name: terminal.options.name, pty: terminal, iconPath: new vscode.ThemeIcon(what === 'access' ? 'globe' : 'output') });
    terminal.terminal.show(true);
    this.open_.set(key, terminal);
    this.stages.set(terminal, { stack, stage });
    this.log.info(`Tail Logs: ${header}`);
    return terminal;
  }

  /** The stage of the log terminal that is the active terminal, if one is. */
  active(): { stack: Stack; stage: Stage } | undefined {
    const current = vscode.window.activeTerminal;
    for (const [lt, where] of this.stages) if (current && lt.terminal === current) return where;
    return undefined;
  }

  dispose(): void {
    this.stages.clear();
    for (const t of this.open_.values()) t.dispose();
    this.open_.clear();
    for (const s of this.subscriptions) s.dispose();
  }
}
