import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import { formatJson, formatSarif, formatText, SCAN_FORMATS, scanPaths, scanStaged, scanTree, type ScanFormat } from '../../core/scan';
import { dirOption, parseCommandArgs } from '../args';
import type { CliCommand } from '../context';

const usage = 'stagecraft scan [PATH…] [--staged] [--format text|json|sarif] [--dir DIR]';

declare const STAGECRAFT_VERSION: string | undefined;

/**
 * Looks for secrets. Without paths: the whole work tree (what git tracks or would track). With
 * `--staged`: the content the next commit would add, read from the index. Exit 1 when anything is
 * found, 0 when clean, 2 on bad input. Findings show file:line:column, the rule and a masked message.
 */
export const scanCommand: CliCommand = {
  path: ['scan'],
  usage,
  summary: 'Look for secrets (keys, tokens, passwords) in files or in what is staged for commit',
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.args, { ...dirOption, staged: { type: 'boolean' }, format: { type: 'string', short: 'f' } }, usage);
    const format = (values.format ?? 'text') as ScanFormat;
    if (!SCAN_FORMATS.includes(format)) throw new StagecraftError(`--format must be one of ${SCAN_FORMATS.join(', ')}, not "${values.format}".`, { kind: 'usage' });
    const root = path.resolve(ctx.cwd, values.dir ?? '.');
    const paths = positionals.map(p => path.resolve(ctx.cwd, p));

    const report = values.staged
      ? await scanStaged(root, { signal: ctx.signal, paths })
      : paths.length > 0
        ? await scanPaths(root, paths, { signal: ctx.signal })
        : await scanTree(root, { signal: ctx.signal });

    if (format === 'json') ctx.out(formatJson(report));
    else if (format === 'sarif') ctx.out(formatSarif(report, typeof STAGECRAFT_VERSION === 'string' ? STAGECRAFT_VERSION : 'dev'));
    else {
      for (const line of formatText(report)) ctx.out(line);
    }
    return report.findings.length > 0 ? 1 : 0;
  },
};
