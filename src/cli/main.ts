import { toStagecraftError } from '../core/errors';
import type { Providers } from '../core/providers';
import { approveCommand, rejectCommand } from './commands/approval';
import { dbCommand } from './commands/db';
import { destroyCommand } from './commands/destroy';
import { gcCommand } from './commands/gc';
import { driftCommand } from './commands/drift';
import { hookCommand } from './commands/hook';
import { deployCommand, pipelineListCommand, pipelineRerunCommand, pipelineResumeCommand, pipelineRunCommand } from './commands/pipeline';
import { envCommand, originsCommand } from './commands/stageConfig';
import { initCommand } from './commands/init';
import { logsCommand } from './commands/logs';
import { promoteCommand } from './commands/promote';
import { releasesCommand } from './commands/releases';
import { rollbackCommand } from './commands/rollback';
import { scanCommand } from './commands/scan';
import { stageAddCommand } from './commands/stageAdd';
import { stageExpireCommand, stageExtendCommand } from './commands/personalStage';
import { stateMoveCommand } from './commands/state';
import { statusCommand } from './commands/status';
import { validateCommand } from './commands/validate';
import type { CliCommand, CliContext } from './context';
import { migrateStateBeforeCommand } from './migrateState';

/** The commands of every stack, whatever its providers; each provider module adds its own verbs. */
export const COMMANDS: CliCommand[] = [
  initCommand, validateCommand, stageAddCommand, stageExtendCommand, stageExpireCommand, statusCommand, scanCommand, hookCommand,
  pipelineRunCommand, pipelineResumeCommand, pipelineRerunCommand, pipelineListCommand, deployCommand, approveCommand, rejectCommand, envCommand, originsCommand, dbCommand, destroyCommand,
  logsCommand,
  gcCommand,
  releasesCommand,
  rollbackCommand,
  promoteCommand,
  driftCommand,
  stateMoveCommand,
];

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export function helpText(commands: CliCommand[] = COMMANDS): string {
  const width = Math.max(...commands.map(c => c.path.join(' ').length));
  return [
    'stagecraft: release your service through stages, from the terminal or CI.',
    '',
    'Usage: stagecraft <command> [options]',
    '',
    'Commands:',
    ...commands.map(c => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`),
    '',
    'Run `stagecraft <command> --help` for its options. Exit codes: 0 ok, 1 failure, 2 bad input or usage.',
  ].join('\n');
}

/** `stagecraft stage --help`: the commands under a word that is not a command itself (stage, pipeline, aws…). */
export function groupHelpText(words: string[], commands: CliCommand[] = COMMANDS): string | undefined {
  if (words.length === 0) return undefined;
  const members = commands.filter(c => words.every((w, i) => c.path[i] === w) && c.path.length > words.length);
  if (members.length === 0) return undefined;
  const width = Math.max(...members.map(c => c.path.join(' ').length));
  return [
    `Usage: stagecraft ${words.join(' ')} <command> [options]`,
    '',
    'Commands:',
    ...members.map(c => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`),
    '',
    `Run \`stagecraft ${members[0].path.join(' ')} --help\` for a command's options.`,
  ].join('\n');
}

/** Finds the longest command path that prefixes argv. */
export function findCommand(argv: string[], commands: CliCommand[] = COMMANDS): { command?: CliCommand; rest: string[] } {
  let best: CliCommand | undefined;
  for (const c of commands) {
    if (c.path.every((w, i) => argv[i] === w) && (!best || c.path.length > best.path.length)) best = c;
  }
  return { command: best, rest: best ? argv.slice(best.path.length) : argv };
}

/** Runs one command line with the providers the caller composed (the `stagecraft` binary: local and aws). */
export async function runCli(argv: string[], io: Pick<CliContext, 'out' | 'err' | 'cwd'> & { signal?: AbortSignal; providers: Providers }): Promise<number> {
  const commands = [...COMMANDS, ...(await io.providers.cliCommands())];
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(helpText(commands));
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  if (argv[0] === '--version' || argv[0] === '-v' || argv[0] === 'version') {
    io.out(VERSION);
    return EXIT.ok;
  }
  const { command, rest } = findCommand(argv, commands);
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  if (!command && wantsHelp) {
    const group = groupHelpText(argv.filter(a => a !== '--help' && a !== '-h'), commands);
    if (group) {
      io.out(group);
      return EXIT.ok;
    }
  }
  if (!command) {
    io.err(`Unknown command "${argv.join(' ')}".\n\n${helpText(commands)}`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`Usage: ${command.usage}\n\n${command.summary}`);
    return EXIT.ok;
  }
  try {
    await migrateStateBeforeCommand(io.cwd, rest, io.providers, io.err);
    return await command.run({ args: rest, cwd: io.cwd, out: io.out, err: io.err, signal: io.signal ?? new AbortController().signal, providers: io.providers });
  } catch (err) {
    const e = toStagecraftError(err);
    if (e.cancelled) {
      io.err('Cancelled.');
      return EXIT.failure;
    }
    io.err(`stagecraft ${command.path.join(' ')}: ${e.message}`);
    if (e.hint) io.err(e.hint);
    return e.kind === 'usage' || e.kind === 'input' ? EXIT.usage : EXIT.failure;
  }
}

declare const STAGECRAFT_VERSION: string | undefined;
const VERSION = typeof STAGECRAFT_VERSION === 'string' ? STAGECRAFT_VERSION : 'dev';

