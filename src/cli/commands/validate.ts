import * as path from 'node:path';
import { loadStackFile, STACK_FILE } from '../../core/config/load';
import { StagecraftError } from '../../core/errors';
import { driftProblems } from '../../core/lint/drift';
import { formatProblem } from '../../core/problems';
import { formatFinding, processModeReport } from '../../core/processModeReport';
import { dirOption, parseCommandArgs } from '../args';
import { withDefaultSignals } from '../../core/commandLine';
import type { CliCommand, CliContext } from '../context';
import type { Stack } from '../../core/model';

const usage = 'stagecraft validate [--dir DIR] [--json]';

export const validateCommand: CliCommand = {
  path: ['validate'],
  usage,
  summary: 'Check stagecraft.yaml and the Dockerfile (what process mode skips, emulates, refuses) with file, line and column',
  async run(ctx) {
    const { values } = parseCommandArgs(ctx.args, { ...dirOption, json: { type: 'boolean' } }, usage);
    const root = path.resolve(ctx.cwd, values.dir ?? '.');
    const loaded = await loadStackFile(root, ctx.providers.stackSchema(), withDefaultSignals);
    if (!loaded) throw new StagecraftError(`No ${STACK_FILE} in ${root}.`, { kind: 'input', hint: 'Run `stagecraft init` to create one.' });
    loaded.problems.push(...driftProblems(loaded));
    const errors: unknown[] = loaded.problems.filter(p => p.severity === 'error');
    const report = await processModeReport(root, loaded.stack?.service.dockerfile ?? 'Dockerfile');
    const refused = report.findings.filter(f => f.action === 'refuse').length;
    // Each provider's own checks of its stages (AWS: the templates rendered and checked against what a real account refuses).
    const providerProblems = loaded.stack ? await providerStackProblems(ctx, loaded.stack) : [];
    errors.push(...providerProblems);
    if (values.json) {
      ctx.out(
        JSON.stringify(
          {
            file: loaded.file,
            valid: errors.length === 0 && refused === 0,
            problems: loaded.problems,
            ...(providerProblems.length > 0 ? { providerProblems } : {}),
            ...(report.found ? { processMode: report } : {}),
          },
          null,
          2,
        ),
      );
    } else {
      for (const p of loaded.problems) (p.severity === 'error' ? ctx.err : ctx.out)(`${formatProblem(p)}${p.severity === 'warning' ? ' (warning)' : ''}`);
      for (const c of providerProblems) ctx.err(`${loaded.file}: ${c.provider}: ${c.problem}`);
      if (loaded.stack && providerProblems.length === 0) ctx.out(`${loaded.file}: stack "${loaded.stack.name}" with ${loaded.stack.stages.length} stage(s) is valid.`);
      else if (loaded.stack) ctx.err(`${loaded.file}: ${providerProblems.length} provider problem(s).`);
      else ctx.err(`${loaded.file}: ${errors.length} problem(s).`);
      // No Dockerfile yet: nothing to report (the build says so when it needs one).
      if (report.found) {
        for (const f of report.findings) (f.action === 'refuse' ? ctx.err : ctx.out)(formatFinding(report.file, f));
        const count = (a: string) => report.findings.filter(f => f.action === a).length;
        (refused ? ctx.err : ctx.out)(`${report.file}: process mode (local stages) ${refused ? 'cannot run it' : 'can run it'}: ${refused} refused, ${count('skip')} skipped, ${count('emulate')} emulated.`);
      }
    }
    return errors.length === 0 && refused === 0 ? 0 : 2;
  },
};

/** What each provider module finds wrong with its stages of the stack, labelled with the provider ("AWS"). */
async function providerStackProblems(ctx: CliContext, stack: Stack): Promise<Array<{ provider: string; problem: string }>> {
  const out: Array<{ provider: string; problem: string }> = [];
  for (const name of new Set(stack.stages.map(s => s.provider))) {
    const module = ctx.providers.module(name);
    for (const problem of (await module?.validateStack?.(stack)) ?? []) out.push({ provider: module?.label ?? name, problem });
  }
  return out;
}
