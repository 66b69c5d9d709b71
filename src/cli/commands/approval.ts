import * as path from 'node:path';
import { buildEvidence, evidenceDigest, evidenceLines } from '../../core/approval';
import { StagecraftError } from '../../core/errors';
import { decideStageApproval, findStage } from '../../core/release';
import { readRepoFacts } from '../../git/repo';
import { dirOption, parseCommandArgs } from '../args';
import { requireStack, type CliCommand } from '../context';

/**
 * `stagecraft approve|reject STAGE`: prints the evidence of the waiting promotion (the review
 * panel's, as text or --json), then records the decision with the evidence's digest. `--show`
 * prints the evidence and decides nothing.
 */
function decisionCommand(verb: 'approve' | 'reject'): CliCommand {
  const usage = `stagecraft ${verb} STAGE [--comment C] [--run RUN_ID] [--show] [--json] [--dir DIR]`;
  return {
    path: [verb],
    usage,
    summary: verb === 'approve' ? 'Show the evidence of the promotion waiting at a stage and approve it' : 'Show the evidence of the promotion waiting at a stage and reject it (the run stops there)',
    async run(ctx) {
      const { values, positionals } = parseCommandArgs(
        ctx.args,
        { ...dirOption, comment: { type: 'string', short: 'm' }, run: { type: 'string' }, show: { type: 'boolean' }, json: { type: 'boolean' } },
        usage,
      );
      if (positionals.length !== 1) throw new StagecraftError(`Expected one stage name.\nUsage: ${usage}`, { kind: 'usage' });
      const root = path.resolve(ctx.cwd, values.dir ?? '.');
      const stack = await requireStack(root, ctx.providers);
      const stage = findStage(stack, positionals[0]).name;
      // AWS stages: the change set the deploy would apply is prepared (and deleted) on the way, ≤ 60 s.
      const evidence = await buildEvidence(stack, stage, { runId: values.run, providers: ctx.providers, signal: ctx.signal });
      const digest = evidence && evidenceDigest(evidence);
      if (values.show) {
        if (!evidence) throw new StagecraftError(`No run is waiting for approval to promote to stage ${stage}.`, { kind: 'input' });
        ctx.out(values.json ? JSON.stringify({ evidence, evidenceDigest: digest }, null, 2) : evidenceLines(evidence, digest!).join('\n'));
        return 0;
      }
      const { user } = await readRepoFacts(root);
      const decision = await decideStageApproval(stack, stage, verb, { by: user, comment: values.comment, runId: values.run ?? evidence?.runId, evidenceDigest: digest, providers: ctx.providers }, ctx.signal);
      if (values.json) {
        ctx.out(JSON.stringify({ decision, evidence, evidenceDigest: digest }, null, 2));
        return 0;
      }
      if (evidence) ctx.out(`${evidenceLines(evidence, digest!).join('\n')}\n`);
      ctx.out(`${decision.decision === 'approved' ? 'Approved' : 'Rejected'} the promotion to ${decision.stage} as ${decision.by}${decision.comment ? ` ("${decision.comment}")` : ''}.`);
      return 0;
    },
  };
}

export const approveCommand = decisionCommand('approve');
export const rejectCommand = decisionCommand('reject');
