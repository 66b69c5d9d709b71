import { awsModule } from '../aws/module';
import { Providers } from '../core/providers';
import { localModule } from '../local/module';
import { runCli } from './main';
import { installSignalHandlers, signalExitCode } from './signals';

/**
 * The `stagecraft` executable: the same core the extension runs, for CI and scripts. A
 * composition root: the one place (with src/extension.ts) that names the providers.
 * `local` first: it is the default `provider:` of a stage.
 */
const providers = new Providers([localModule, awsModule]);
// The AWS SDK warns on every run that its 2027 releases will need Node 22; that is not this
// command's news. Other warnings are printed as Node would.
process.removeAllListeners('warning');
process.on('warning', warning => {
  if (warning.name !== 'NodeVersionSupportWarning' && !warning.message.startsWith('NodeVersionSupportWarning')) process.stderr.write(`${warning.name}: ${warning.message}\n`);
});
const controller = new AbortController();
// `stagecraft status | head` closes the pipe early: that is not an error.
process.stdout.on('error', err => {
  if ((err as NodeJS.ErrnoException).code === 'EPIPE') process.exit(process.exitCode ?? 0);
});
installSignalHandlers(controller);

runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  out: line => process.stdout.write(line + '\n'),
  err: line => process.stderr.write(line + '\n'),
  signal: controller.signal,
  providers,
}).then(
  code => {
    // A command that treats the signal as its normal end (`logs --follow`) says so with 0.
    process.exitCode = code === 0 ? 0 : (signalExitCode() ?? code);
  },
  err => {
    process.stderr.write(`stagecraft: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
