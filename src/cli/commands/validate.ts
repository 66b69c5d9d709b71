import * as path from 'node:path';
import { loadStackFile, STACK_FILE } from '../../core/config/load';
import { StagecraftError } from '../../core/errors';
import { driftProblems } from '../../core/lint/drift';
import { formatProblem } from '../../core/problems';
import { dirOption, parseCommandArgs } from '../args';
import { withDefaultSignals } from '../../core/commandLine';
import type { CliCommand, CliContext } from '../context';
import type { Stack } from '../../core/model';
import type { ProviderValidation } from '../../core/providerModule';

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
    const errors = loaded.problems.filter(p => p.severity === 'error');
    // Each provider's own checks of its stages (local: what process mode does with the Dockerfile;
    // AWS: the templates rendered and checked against what a real account refuses).
    const reports = loaded.stack ? await providerValidations(ctx, loaded.stack) : [];
    const providerProblems = reports.flatMap(r => (r.report.problems ?? []).map(problem => ({ provider: r.label, problem })));
    const valid = errors.length === 0 && providerProblems.length === 0 && !reports.some(r => r.report.invalid);
    if (values.json) {
      const extra = Object.assign({}, ...reports.map(r => r.report.json ?? {})) as Record<string, unknown>;
      ctx.out(JSON.stringify({ file: loaded.file, valid, problems: loaded.problems, ...(providerProblems.length > 0 ? { providerProblems } : {}), ...extra }, null, 2));
    } else {
      for (const p of loaded.problems) (p.severity === 'error' ? ctx.err : ctx.out)(`${formatProblem(p)}${p.severity === 'warning' ? ' (warning)' : ''}`);
      for (const c of providerProblems) ctx.err(`${loaded.file}: ${c.provider}: ${c.problem}`);
      if (loaded.stack && providerProblems.length === 0) ctx.out(`${loaded.file}: stack "${loaded.stack.name}" with ${loaded.stack.stages.length} stage(s) is valid.`);
      else if (loaded.stack) ctx.err(`${loaded.file}: ${providerProblems.length} provider problem(s).`);
      else ctx.err(`${loaded.file}: ${errors.length} problem(s).`);
      for (const r of reports) for (const l of r.report.lines ?? []) (l.error ? ctx.err : ctx.out)(l.text);
    }
    return valid ? 0 : 2;
  },
};

/** What each provider module of the stack's stages reports, labelled with the provider ("AWS"). */
async function providerValidations(ctx: CliContext, stack: Stack): Promise<Array<{ label: string; report: ProviderValidation }>> {
  const out: Array<{ label: string; report: ProviderValidation }> = [];
  for (const name of new Set(stack.stages.map(s => s.provider))) {
    const module = ctx.providers.module(name);
    const report = await module?.validateStack?.(stack);
    if (report) out.push({ label: module?.label ?? name, report });
  }
  return out;
}
