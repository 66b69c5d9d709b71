import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import { currentCliLocation, installPrecommitHook, precommitHookStatus, uninstallPrecommitHook, type CliLocation } from '../../git/hooks';
import { dirOption, parseCommandArgs } from '../args';
import type { CliCommand } from '../context';

const usage = 'stagecraft hook install|uninstall|status [--dir DIR] [--node PATH --cli PATH]';

/**
 * Installs the pre-commit hook that runs `stagecraft scan --staged`, removes it, or tells
 * whether it is there. `--node`/`--cli` choose what the hook runs (default: this CLI itself).
 */
export const hookCommand: CliCommand = {
  path: ['hook'],
  usage,
  summary: 'Install or remove the pre-commit hook that blocks commits holding secrets',
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.args, { ...dirOption, node: { type: 'string' }, cli: { type: 'string' } }, usage);
    const action = positionals[0];
    if (positionals.length !== 1 || !['install', 'uninstall', 'status'].includes(action)) {
      throw new StagecraftError(`Expected one of install, uninstall, status.\nUsage: ${usage}`, { kind: 'usage' });
    }
    const dir = path.resolve(ctx.cwd, values.dir ?? '.');

    if (action === 'install') {
      const here = await currentCliLocation();
      const runner: CliLocation = {
        node: values.node ? path.resolve(ctx.cwd, values.node) : here.node,
        cli: values.cli ? path.resolve(ctx.cwd, values.cli) : here.cli,
        electron: values.node ? false : here.electron,
      };
      const r = await installPrecommitHook(dir, runner, ctx.signal);
      ctx.out(`${r.updated ? 'Updated' : 'Installed'} the Stagecraft pre-commit hook: ${r.file}${r.mode === 'husky' ? ' (husky)' : ''}.`);
      if (r.chained) ctx.out(`Your existing hook is kept as ${r.chained} and runs first.`);
      ctx.out(`It runs: ${runner.node} ${runner.cli} scan --staged`);
      ctx.out('Commits whose staged changes hold a secret are blocked; `git commit --no-verify` skips the check knowingly.');
      if (r.warning) ctx.err(`Note: ${r.warning}`);
      return 0;
    }
    if (action === 'uninstall') {
      const r = await uninstallPrecommitHook(dir, ctx.signal);
      if (!r.removed) ctx.out(`No Stagecraft pre-commit hook in ${r.file}; nothing to remove.`);
      else ctx.out(`Removed the Stagecraft pre-commit hook from ${r.file}.${r.restored ? ' Your own hook is back in place.' : ''}`);
      return 0;
    }
    const s = await precommitHookStatus(dir, ctx.signal);
    ctx.out(s.installed ? `Installed in ${s.file}${s.mode === 'husky' ? ' (husky)' : ''}; runs ${s.runner ? `${s.runner.node} ${s.runner.cli}` : 'the first Stagecraft CLI it finds'}.` : `Not installed (it would go in ${s.file}).`);
    return 0;
  },
};
