import * as vscode from 'vscode';
import { redactor } from '../core/redact';

/** The extension's one log channel; every line passes through the redactor first. */
export class ExtensionLog implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;

  constructor() {
    this.channel = vscode.window.createOutputChannel('Stagecraft', { log: true });
  }

  /** Routine detail (timings of every re-read): hidden at the channel's default Info level. */
  trace(message: string): void {
    this.channel.trace(redactor.redact(message));
  }

  info(message: string): void {
    this.channel.info(redactor.redact(message));
  }

  warn(message: string): void {
    this.channel.warn(redactor.redact(message));
  }

  error(message: string, err?: unknown): void {
    const detail = err instanceof Error ? `\n${err.stack ?? err.message}` : err !== undefined ? `\n${String(err)}` : '';
    this.channel.error(redactor.redact(message + detail));
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
