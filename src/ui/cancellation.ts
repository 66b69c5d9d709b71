import * as vscode from 'vscode';

/** Turns a VS Code CancellationToken into the AbortSignal the core takes. */
export function toAbortSignal(token: vscode.CancellationToken): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  const sub = token.onCancellationRequested(() => controller.abort());
  return { signal: controller.signal, dispose: () => sub.dispose() };
}

/** Runs long work under a cancellable progress notification, handing it an AbortSignal. */
export function withCancellableProgress<T>(
  title: string,
  work: (signal: AbortSignal, report: (message: string) => void) => Promise<T>,
): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const abort = toAbortSignal(token);
    try {
      return await work(abort.signal, message => progress.report({ message }));
    } finally {
      abort.dispose();
    }
  });
}
