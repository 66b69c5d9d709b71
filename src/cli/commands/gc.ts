import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import { expirePersonalStages } from '../../core/personal/expire';
import { formatBytes, keepCount, KEEP_VARIABLE, pruneRuns, stateDiskUsage } from '../../core/retention';
import { dirOption, parseCommandArgs } from '../args';
import { requireStack, type CliCommand } from '../context';

const usage = 'stagecraft gc [--keep N] [--dry-run] [--dir DIR]';

/**
 * Removes what retention no longer keeps: artifacts no stage runs or ran last beyond the newest N,
 * exported sources no unfinished run needs, run records beyond the newest N per stage. Every local
 * run ends with the same sweep; this is for doing it now, or with another N.
 */
export const gcCommand: CliCommand = {
  path: ['gc'],
  usage,
  summary: `Remove expired personal stages, old artifacts, exported sources and run records (keeps what stages use + the newest N, default ${keepCount({})} or ${KEEP_VARIABLE})`,
  async run(ctx) {
    const { values } = parseCommandArgs(ctx.args, { ...dirOption, keep: { type: 'string' }, 'dry-run': { type: 'boolean' } }, usage);
    const keep = values.keep === undefined ? keepCount() : Number(values.keep);
    if (!Number.isInteger(keep) || keep < 1) throw new StagecraftError(`--keep must be a whole number of at least 1, not "${values.keep}".`, { kind: 'usage' });
    let stack = await requireStack(path.resolve(ctx.cwd, values.dir ?? '.'), ctx.providers);
    const dryRun = values['dry-run'] ?? false;
    // Personal stages whose time ran out (or whose branch is merged or gone) go first: what only they used is then free.
    const expiry = await expirePersonalStages(stack, { dryRun, signal: ctx.signal, providers: ctx.providers });
    for (const e of expiry.expired) {
      if (dryRun) ctx.out(`Would destroy personal stage ${e.name} (${e.owner}): ${e.why}.`);
      else ctx.out(e.destroyed ? `Destroyed personal stage ${e.name} (${e.owner}): ${e.why}.` : `Personal stage ${e.name} expired (${e.why}) but could not be destroyed: ${e.error}`);
    }
    if (!dryRun && expiry.expired.some(e => e.destroyed)) stack = await requireStack(stack.root, ctx.providers);
    const before = await stateDiskUsage(stack.root);
    const verb = dryRun ? 'Would remove' : 'Removed';
    let runs: string[] = [];
    const lines: string[] = [];
    const providers = [...new Set(stack.stages.map(s => s.provider))];
    let swept = false;
    for (const name of providers) {
      const provider = await ctx.providers.get(name, 'gc');
      if (!provider.collectGarbage) continue;
      const report = await provider.collectGarbage(stack, keep, { signal: ctx.signal, log: ctx.out, dryRun });
      swept = true;
      runs = report.runsRemoved;
      lines.push(`${verb} ${report.artifactsRemoved.length} artifact(s) (kept ${report.artifactsKept.length}) and ${report.sourcesRemoved.length} exported source folder(s) of ${name} stages.`);
    }
    // A stack with no local stage still has run records here.
    if (!swept) runs = (await pruneRuns(stack.root, keep, { dryRun })).removed;
    ctx.out(`${verb} ${runs.length} run record(s) beyond the newest ${keep} per stage.`);
    for (const l of lines) ctx.out(l);
    const after = dryRun ? before : await stateDiskUsage(stack.root);
    ctx.out(`State folder ${after.dir}: ${formatBytes(after.bytes)}${dryRun ? '' : ` (was ${formatBytes(before.bytes)})`}.`);
    return 0;
  },
};
