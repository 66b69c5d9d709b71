import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import { selectStages } from '../../core/release';
import { dirOption, parseCommandArgs } from '../args';
import { requireStack, type CliCommand } from '../context';

const usage = 'stagecraft drift [STAGE] [--json] [--dir DIR]';

export const driftCommand: CliCommand = {
  path: ['drift'],
  usage,
  summary: 'Compare what each running stage uses (env, origins, database) with stagecraft.yaml; exit 1 when one drifted',
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.args, { ...dirOption, json: { type: 'boolean' } }, usage);
    if (positionals.length > 1) throw new StagecraftError(`Expected at most one stage name.\nUsage: ${usage}`, { kind: 'usage' });
    const stack = await requireStack(path.resolve(ctx.cwd, values.dir ?? '.'), ctx.providers);
    const stages = selectStages(stack, positionals.length ? positionals : undefined);
    const report = [];
    for (const stage of stages) {
      const provider = await ctx.providers.get(stage.provider, 'Drift');
      const found = provider.runningDrift ? await provider.runningDrift(stack, stage, { signal: ctx.signal }) : undefined;
      const state = !provider.runningDrift ? 'unsupported' : !found ? 'not-running' : found.differences.length ? 'drifted' : 'in-sync';
      report.push({ stage: stage.name, state, commit: found?.commit ?? null, differences: found?.differences ?? [], note: found?.note ?? null });
    }
    if (values.json) ctx.out(JSON.stringify(report, null, 2));
    else {
      for (const r of report) {
        const what = { unsupported: `the ${stages.find(s => s.name === r.stage)!.provider} provider cannot compare yet`, 'not-running': 'not running: nothing to compare', drifted: 'DRIFTED from stagecraft.yaml', 'in-sync': 'matches stagecraft.yaml' }[r.state];
        ctx.out(`${r.stage}: ${what}${r.commit ? ` (runs ${r.commit.slice(0, 8)})` : ''}`);
        for (const d of r.differences) ctx.out(`  - ${d.detail}`);
        if (r.note) ctx.out(`  (${r.note})`);
      }
    }
    return report.some(r => r.state === 'drifted') ? 1 : 0;
  },
};
