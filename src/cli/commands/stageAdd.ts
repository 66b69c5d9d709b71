import * as path from 'node:path';
import { StackFileEditor } from '../../core/config/edit';
import { parseStackFile } from '../../core/config/load';
import { rewriteStackFile } from '../../core/config/update';
import { StagecraftError } from '../../core/errors';
import type { ProviderName } from '../../core/model';
import type { AddStageField } from '../../core/providerModule';
import { dirOption, parseCommandArgs } from '../args';
import { requireStack, type CliCommand } from '../context';

const usage =
  'stagecraft stage add NAME [--provider NAME] [--database postgres] [--require-approval] [--after STAGE | --first] [--branch PATTERN]... [--dir DIR] [--OPTION [VALUE]]... (the provider\'s own options: its Add Stage fields)';

/** `loadBalancer` → `load-balancer`: a provider's Add Stage field as a command-line option. */
function flagOf(key: string): string {
  return key.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`);
}

export const stageAddCommand: CliCommand = {
  path: ['stage', 'add'],
  usage,
  summary: 'Add a stage to stagecraft.yaml (comments and order kept)',
  async run(ctx) {
    // Every registered provider's Add Stage fields are options; only the chosen one's are written.
    const fields = ctx.providers.names().flatMap(n => ctx.providers.module(n)?.addStageFields ?? []);
    const providerOptions = Object.fromEntries(fields.map(f => [flagOf(f.key), { type: f.kind === 'text' ? ('string' as const) : ('boolean' as const) }]));
    const { values, positionals } = parseCommandArgs(
      ctx.args,
      {
        ...providerOptions,
        ...dirOption,
        provider: { type: 'string' },
        database: { type: 'string' },
        'require-approval': { type: 'boolean' },
        after: { type: 'string' },
        first: { type: 'boolean' },
        branch: { type: 'string', multiple: true },
      },
      usage,
    );
    if (positionals.length !== 1) throw new StagecraftError(`Expected one stage name.\nUsage: ${usage}`, { kind: 'usage' });
    const names = ctx.providers.names();
    const provider: ProviderName = (values.provider as string | undefined) ?? names[0];
    if (!names.includes(provider)) throw new StagecraftError(`--provider must be one of ${names.join(', ')}.`, { kind: 'usage' });
    if (values.database !== undefined && values.database !== 'postgres' && values.database !== 'none') {
      throw new StagecraftError('--database must be "postgres" or "none".', { kind: 'usage' });
    }
    const root = path.resolve(ctx.cwd, values.dir ?? '.');
    const stack = await requireStack(root, ctx.providers);
    await rewriteStackFile(stack.file, text => {
      // Checked against the file as it is under the lock: a stage added meanwhile is seen.
      const current = parseStackFile(text, stack.file, ctx.providers.stackSchema()).stack ?? stack;
      const editor = new StackFileEditor(text, stack.file);
      editor.addStage(
        {
          name: positionals[0],
          provider,
          options: chosenOptions(ctx.providers.module(provider)?.addStageFields ?? [], values as Record<string, string | boolean | undefined>),
          database: values.database as 'postgres' | 'none' | undefined,
          requireApproval: values['require-approval'] as boolean | undefined,
          after: values.after,
          first: values.first,
          branches: values.branch,
        },
        current,
      );
      const updated = editor.toString();
      const check = parseStackFile(updated, stack.file, ctx.providers.stackSchema());
      if (!check.stack) throw new StagecraftError(`The new stage would make ${stack.file} invalid: ${check.problems[0]?.message}`, { kind: 'input' });
      return updated;
    });
    ctx.out(`Added stage "${positionals[0]}" (${provider}) to ${stack.file}.`);
    return 0;
  },
};

/** The chosen provider's options as given: texts when set, checkboxes as true or false. */
function chosenOptions(fields: readonly AddStageField[], values: Record<string, string | boolean | undefined>): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const f of fields) {
    const v = values[flagOf(f.key)];
    if (f.kind === 'checkbox') out[f.key] = v === true;
    else if (typeof v === 'string' && v !== '') {
      const problem = f.problem?.(v);
      if (problem) throw new StagecraftError(`--${flagOf(f.key)}: ${problem}.`, { kind: 'usage' });
      out[f.key] = v;
    }
  }
  return out;
}
