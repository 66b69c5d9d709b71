import * as path from 'node:path';
import { StackFileEditor } from '../../core/config/edit';
import { parseStackFile } from '../../core/config/load';
import { rewriteStackFile } from '../../core/config/update';
import { StagecraftError } from '../../core/errors';
import { PROVIDERS } from '../../core/config/schema';
import type { ProviderName } from '../../core/model';
import { dirOption, parseCommandArgs } from '../args';
import { requireStack, type CliCommand } from '../context';

const usage =
  'stagecraft stage add NAME [--provider local|aws] [--region R] [--profile P] [--database postgres] [--require-approval] [--load-balancer] [--after STAGE | --first] [--branch PATTERN]... [--dir DIR]';

export const stageAddCommand: CliCommand = {
  path: ['stage', 'add'],
  usage,
  summary: 'Add a stage to stagecraft.yaml (comments and order kept)',
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(
      ctx.args,
      {
        ...dirOption,
        provider: { type: 'string', default: 'local' },
        region: { type: 'string' },
        profile: { type: 'string' },
        database: { type: 'string' },
        'require-approval': { type: 'boolean' },
        'load-balancer': { type: 'boolean' },
        after: { type: 'string' },
        first: { type: 'boolean' },
        branch: { type: 'string', multiple: true },
      },
      usage,
    );
    if (positionals.length !== 1) throw new StagecraftError(`Expected one stage name.\nUsage: ${usage}`, { kind: 'usage' });
    const provider = values.provider as ProviderName;
    if (!(PROVIDERS as readonly string[]).includes(provider)) throw new StagecraftError(`--provider must be one of ${PROVIDERS.join(', ')}.`, { kind: 'usage' });
    if (values.database !== undefined && values.database !== 'postgres' && values.database !== 'none') {
      throw new StagecraftError('--database must be "postgres" or "none".', { kind: 'usage' });
    }
    const root = path.resolve(ctx.cwd, values.dir ?? '.');
    const stack = await requireStack(root);
    await rewriteStackFile(stack.file, text => {
      // Checked against the file as it is under the lock: a stage added meanwhile is seen.
      const current = parseStackFile(text, stack.file).stack ?? stack;
      const editor = new StackFileEditor(text, stack.file);
      editor.addStage(
        {
          name: positionals[0],
          provider,
          region: values.region,
          profile: values.profile,
          database: values.database as 'postgres' | 'none' | undefined,
          requireApproval: values['require-approval'],
          loadBalancer: values['load-balancer'],
          after: values.after,
          first: values.first,
          branches: values.branch,
        },
        current,
      );
      const updated = editor.toString();
      const check = parseStackFile(updated, stack.file);
      if (!check.stack) throw new StagecraftError(`The new stage would make ${stack.file} invalid: ${check.problems[0]?.message}`, { kind: 'input' });
      return updated;
    });
    ctx.out(`Added stage "${positionals[0]}" (${provider}) to ${stack.file}.`);
    return 0;
  },
};
