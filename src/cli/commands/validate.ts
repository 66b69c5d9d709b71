import * as path from 'node:path';
import { loadStackFile, STACK_FILE } from '../../core/config/load';
import { StagecraftError } from '../../core/errors';
import { driftProblems } from '../../core/lint/drift';
import { formatProblem } from '../../core/problems';
import { dirOption, parseCommandArgs } from '../args';
import type { CliCommand } from '../context';

const usage = 'stagecraft validate [--dir DIR] [--json]';

export const validateCommand: CliCommand = {
  path: ['validate'],
  usage,
  summary: 'Check stagecraft.yaml and list every problem with file, line and column',
  async run(ctx) {
    const { values } = parseCommandArgs(ctx.args, { ...dirOption, json: { type: 'boolean' } }, usage);
    const root = path.resolve(ctx.cwd, values.dir ?? '.');
    const loaded = await loadStackFile(root);
    if (!loaded) throw new StagecraftError(`No ${STACK_FILE} in ${root}.`, { kind: 'input', hint: 'Run `stagecraft init` to create one.' });
    loaded.problems.push(...driftProblems(loaded));
    const errors = loaded.problems.filter(p => p.severity === 'error');
    if (values.json) {
      ctx.out(JSON.stringify({ file: loaded.file, valid: errors.length === 0, problems: loaded.problems }, null, 2));
    } else {
      for (const p of loaded.problems) (p.severity === 'error' ? ctx.err : ctx.out)(`${formatProblem(p)}${p.severity === 'warning' ? ' (warning)' : ''}`);
      if (loaded.stack) ctx.out(`${loaded.file}: stack "${loaded.stack.name}" with ${loaded.stack.stages.length} stage(s) is valid.`);
      else ctx.err(`${loaded.file}: ${errors.length} problem(s).`);
    }
    return errors.length === 0 ? 0 : 2;
  },
};
