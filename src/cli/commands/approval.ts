import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import { decideStageApproval } from '../../core/release';
import { readRepoFacts } from '../../git/repo';
import { dirOption, parseCommandArgs } from '../args';
import { requireStack, type CliCommand } from '../context';

function decisionCommand(verb: 'approve' | 'reject'): CliCommand {
  const usage = `stagecraft ${verb} STAGE [--comment C] [--run RUN_ID] [--dir DIR]`;
  return {
    path: [verb],
    usage,
    summary: verb === 'approve' ? 'Approve the promotion waiting at a stage' : 'Reject the promotion waiting at a stage (the run stops there)',
    async run(ctx) {
      const { values, positionals } = parseCommandArgs(ctx.args, { ...dirOption, comment: { type: 'string', short: 'm' }, run: { type: 'string' } }, usage);
      if (positionals.length !== 1) throw new StagecraftError(`Expected one stage name.\nUsage: ${usage}`, { kind: 'usage' });
      const root = path.resolve(ctx.cwd, values.dir ?? '.');
      const stack = await requireStack(root, ctx.providers);
      const { user } = await readRepoFacts(root);
      const decision = await decideStageApproval(stack, positionals[0], verb, { by: user, comment: values.comment, runId: values.run, providers: ctx.providers }, ctx.signal);
      ctx.out(`${decision.decision === 'approved' ? 'Approved' : 'Rejected'} the promotion to ${decision.stage} as ${decision.by}${decision.comment ? ` ("${decision.comment}")` : ''}.`);
      return 0;
    },
  };
}

export const approveCommand = decisionCommand('approve');
export const rejectCommand = decisionCommand('reject');
