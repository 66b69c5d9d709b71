/**
 * How the CLI answers Ctrl-C and `kill`: the first signal cancels the command (its AbortSignal
 * fires, so it can clean up); whatever still runs after a short grace period, or at a second
 * signal, is ended. Exit codes follow the shell's convention, 128 + the signal's number.
 */
export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
type HandledSignal = keyof typeof SIGNAL_EXIT;
const SIGNALS = Object.keys(SIGNAL_EXIT) as HandledSignal[];
const GRACE_MS = 700;

let received: HandledSignal | undefined;

export function installSignalHandlers(controller: AbortController): void {
  for (const name of SIGNALS) {
    process.on(name, () => {
      if (received) process.exit(SIGNAL_EXIT[received]);
      received = name;
      controller.abort();
      setTimeout(() => process.exit(SIGNAL_EXIT[name]), GRACE_MS).unref();
    });
  }
}

/** The exit code a received signal asks for, if one was received. */
export function signalExitCode(): number | undefined {
  return received ? SIGNAL_EXIT[received] : undefined;
}
