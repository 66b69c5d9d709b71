import { runCli } from './main';

/** The `stagecraft` executable: the same core the extension runs, for CI and scripts. */
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.once('SIGTERM', () => controller.abort());

runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  out: line => process.stdout.write(line + '\n'),
  err: line => process.stderr.write(line + '\n'),
  signal: controller.signal,
}).then(
  code => {
    process.exitCode = code;
  },
  err => {
    process.stderr.write(`stagecraft: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
