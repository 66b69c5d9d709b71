import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import { loadStackFile } from '../../core/config/load';
import { moveRepositoryState, stateInUseBy, stateMoveHooksOf } from '../../core/stateMigration';
import { legacyStateDir, STATE_HOME_SETTING, STATE_HOME_VARIABLE, stateHome } from '../../core/workspace';
import { dirOption, parseCommandArgs } from '../args';
import type { CliCommand } from '../context';

const usage = 'stagecraft state move --to DIR | --from DIR [--dir DIR]';

/**
 * After the state home changes (STAGECRAFT_HOME, the `stagecraft.stateHome` setting) the repository's
 * state stays in the old base folder; this moves it, all at once, while nothing runs from it.
 * `--to` before changing the setting, `--from` after (each defaults to the current state home).
 */
export const stateMoveCommand: CliCommand = {
  path: ['state', 'move'],
  usage,
  summary: `Move this repository's Stagecraft state to another base folder (after changing ${STATE_HOME_VARIABLE} or the "${STATE_HOME_SETTING}" setting)`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.args, { ...dirOption, to: { type: 'string' }, from: { type: 'string' } }, usage);
    if (positionals.length > 0) throw new StagecraftError(`Unexpected "${positionals[0]}".\nUsage: ${usage}`, { kind: 'usage' });
    if (values.to === undefined && values.from === undefined) throw new StagecraftError(`Say where the state goes (--to DIR) or where it was (--from DIR).\nUsage: ${usage}`, { kind: 'usage' });
    const root = path.resolve(ctx.cwd, values.dir ?? '.');
    const current = stateHome();
    const fromHome = values.from !== undefined ? path.resolve(ctx.cwd, values.from) : current;
    const toHome = values.to !== undefined ? path.resolve(ctx.cwd, values.to) : current;
    // An old .stagecraft/ that could not move yet (a stage runs from it) is still the state folder: that move comes first.
    const legacy = legacyStateDir(root);
    if (existsSync(legacy)) {
      throw new StagecraftError(`This repository's state is still in ${legacy}, which moves out of the repository once nothing runs from it.`, { kind: 'input', hint: 'Stop its stages, run any stagecraft command to move it, then move it again.' });
    }
    // Stage names whose secrets may sit in the OS credential store without leaving a file behind.
    const loaded = await loadStackFile(root, ctx.providers.stackSchema()).catch(() => undefined);
    const stages = loaded?.stack?.stages.map(s => s.name) ?? [];
    const result = await moveRepositoryState(root, { fromHome, toHome, inUse: stateInUseBy(ctx.providers), prepare: stateMoveHooksOf(ctx.providers, stages), say: ctx.err });
    if (result.outcome === 'same') {
      ctx.out(`The state is already in ${result.dir}.`);
      return 0;
    }
    if (result.outcome === 'nothing') {
      ctx.out(`Nothing to move: ${result.from} does not exist (this repository has no state under ${fromHome}).`);
      return 0;
    }
    ctx.out(`Moved ${result.from} to ${result.to} (${result.how === 'renamed' ? 'renamed in place' : 'copied across filesystems, checked, then the original removed'}).`);
    if (path.resolve(toHome) !== current) {
      ctx.out(`Stagecraft looks in ${current} until you set ${STATE_HOME_VARIABLE}=${toHome} (or the "${STATE_HOME_SETTING}" setting in VS Code).`);
    }
    return 0;
  },
};
