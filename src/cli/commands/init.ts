import * as path from 'node:path';
import { gatherScaffoldFacts, scaffoldStackFile, writeNewStackFile } from '../../core/config/scaffold';
import { nameProblem } from '../../core/naming';
import { StagecraftError } from '../../core/errors';
import { dirOption, parseCommandArgs } from '../args';
import type { CliCommand } from '../context';

const usage = 'stagecraft init [--name STACK] [--dir DIR]';

export const initCommand: CliCommand = {
  path: ['init'],
  usage,
  summary: 'Create a commented stagecraft.yaml from the Dockerfile and package.json',
  async run(ctx) {
    const { values } = parseCommandArgs(ctx.args, { ...dirOption, name: { type: 'string' } }, usage);
    const root = path.resolve(ctx.cwd, values.dir ?? '.');
    if (values.name) {
      const bad = nameProblem(values.name, 'stack');
      if (bad) throw new StagecraftError(bad, { kind: 'usage' });
    }
    const facts = await gatherScaffoldFacts(root, values.name);
    const file = await writeNewStackFile(root, scaffoldStackFile(facts, ctx.providers));
    ctx.out(`Created ${file} for stack "${facts.stack}" (port ${facts.port}${facts.start ? `, start: ${facts.start}` : ''}${facts.dockerfileStart ? `, the Dockerfile starts it: ${facts.dockerfileStart}` : ''}).`);
    ctx.out(facts.healthSource ? `Health check ${facts.healthCheck} (found in ${facts.healthSource}).` : `Health check ${facts.healthCheck} is a guess: if the first deploy fails it, the error names the common path that answers.`);
    return 0;
  },
};
