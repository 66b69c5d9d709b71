import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import { expirePersonalStages } from '../../core/personal/expire';
import { extendPersonalStage } from '../../core/personal/extend';
import { dirOption, parseCommandArgs } from '../args';
import { requireStack, type CliCommand } from '../context';

const extendUsage = 'stagecraft stage extend NAME [--days N] [--dir DIR]';

export const stageExtendCommand: CliCommand = {
  path: ['stage', 'extend'],
  usage: extendUsage,
  summary: "Keep a personal stage longer: push its expiry back by N days (the TTL's length by default)",
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.args, { ...dirOption, days: { type: 'string' } }, extendUsage);
    if (positionals.length !== 1) throw new StagecraftError(`Expected one stage name.\nUsage: ${extendUsage}`, { kind: 'usage' });
    const days = values.days === undefined ? undefined : Number(values.days);
    if (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= 365)) {
      throw new StagecraftError(`--days "${values.days}" is not a whole number of days from 1 to 365.`, { kind: 'usage' });
    }
    const stack = await requireStack(path.resolve(ctx.cwd, values.dir ?? '.'), ctx.providers);
    const until = await extendPersonalStage(stack, positionals[0], { days });
    ctx.out(`Personal stage ${positionals[0]} now expires at ${until}.`);
    return 0;
  },
};

const expireUsage = 'stagecraft stage expire [--dry-run] [--now ISO_TIME] [--dir DIR]';

export const stageExpireCommand: CliCommand = {
  path: ['stage', 'expire'],
  usage: expireUsage,
  summary: 'Destroy personal stages whose time to live passed or whose branch was merged or deleted',
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.args, { ...dirOption, 'dry-run': { type: 'boolean' }, now: { type: 'string' } }, expireUsage);
    if (positionals.length) throw new StagecraftError(`Unexpected argument "${positionals[0]}".\nUsage: ${expireUsage}`, { kind: 'usage' });
    const now = values.now === undefined ? new Date() : new Date(values.now);
    if (Number.isNaN(now.getTime())) throw new StagecraftError(`--now "${values.now}" is not a time: write it as 2026-12-31T12:00:00Z.`, { kind: 'usage' });
    const stack = await requireStack(path.resolve(ctx.cwd, values.dir ?? '.'), ctx.providers);
    const report = await expirePersonalStages(stack, { now, dryRun: values['dry-run'], signal: ctx.signal, providers: ctx.providers });
    for (const e of report.expired) {
      if (values['dry-run']) ctx.out(`Would destroy ${e.name} (${e.owner}, ${e.branch}): ${e.why}.`);
      else if (e.destroyed) ctx.out(`Destroyed ${e.name} (${e.owner}, ${e.branch}): ${e.why}.`);
      else ctx.err(`Could not destroy ${e.name}: ${e.error}`);
    }
    for (const s of report.soon) ctx.out(`${s.name} (${s.owner}) expires at ${s.expiresAt}: \`stagecraft stage extend ${s.name}\` keeps it.`);
    if (report.expired.length === 0) ctx.out('No personal stage has expired.');
    return report.expired.some(e => !values['dry-run'] && !e.destroyed) ? 1 : 0;
  },
};
