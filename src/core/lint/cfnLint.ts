import { StagecraftError, toStagecraftError } from '../errors';
import { runProcess } from '../exec';
import type { Problem } from '../problems';

/**
 * CloudFormation templates checked by `cfn-lint --format json`, a separate tool (Python, from
 * pip). When it is not installed the result says so once, with the install command, instead of
 * failing: linting templates is a help, not a gate.
 */
export type CfnLintResult = { available: true; problems: CfnLintProblem[] } | { available: false; reason: string };

export interface CfnLintProblem extends Problem {
  /** cfn-lint's rule, e.g. E3012. */
  rule: string;
  level: 'error' | 'warning' | 'info';
}

export const CFN_LINT_INSTALL_HINT = 'pip install cfn-lint';

interface CfnLintJsonMatch {
  Filename?: string;
  Level?: string;
  Message?: string;
  Rule?: { Id?: string };
  Location?: { Start?: { LineNumber?: number; ColumnNumber?: number }; End?: { LineNumber?: number; ColumnNumber?: number } };
}

/** Lints `files` (paths relative to `cwd` or absolute). `command` is the cfn-lint executable. */
export async function runCfnLint(cwd: string, files: string[], options: { command?: string; signal?: AbortSignal } = {}): Promise<CfnLintResult> {
  const command = options.command || 'cfn-lint';
  if (files.length === 0) return { available: true, problems: [] };
  const stdout: string[] = [];
  const stderr: string[] = [];
  let result;
  try {
    result = await runProcess(command, ['--format', 'json', '--', ...files], {
      cwd,
      signal: options.signal,
      keepOutput: 1024,
      onLine: (line, stream) => (stream === 'stdout' ? stdout : stderr).push(line),
    });
  } catch (err) {
    const cause = toStagecraftError(err).cause as NodeJS.ErrnoException | undefined;
    if (cause?.code === 'ENOENT' || cause?.code === 'EACCES') return { available: false, reason: `${command} is not installed (or not on PATH).` };
    throw err;
  }
  // 127: a shell or a pyenv shim that found no such command.
  if (result.code === 127) return { available: false, reason: `${command} is not installed: ${stderr.join(' ').trim() || 'command not found'}` };
  // cfn-lint exits with a bit mask of what it found (2 errors, 4 warnings, 8 informational); 1 is its own failure.
  if (result.code === 1 || (result.code !== 0 && stdout.length === 0)) {
    throw new StagecraftError(`cfn-lint failed on ${files.join(', ')}: ${stderr.slice(-5).join(' ').trim() || `exit ${result.code}`}`, { kind: 'failure' });
  }
  return { available: true, problems: parseCfnLintJson(stdout.join('\n')) };
}

export function parseCfnLintJson(text: string): CfnLintProblem[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let matches: CfnLintJsonMatch[];
  try {
    matches = JSON.parse(trimmed) as CfnLintJsonMatch[];
  } catch (err) {
    throw new StagecraftError(`cfn-lint printed output that is not JSON: ${(err as Error).message}`, { kind: 'failure' });
  }
  if (!Array.isArray(matches)) return [];
  return matches.map(m => {
    const start = m.Location?.Start ?? {};
    const end = m.Location?.End ?? start;
    const level = m.Level === 'Error' ? 'error' : m.Level === 'Warning' ? 'warning' : 'info';
    const line = Math.max(1, start.LineNumber ?? 1);
    const column = Math.max(1, start.ColumnNumber ?? 1);
    return {
      file: m.Filename ?? '',
      line,
      column,
      endLine: Math.max(line, end.LineNumber ?? line),
      endColumn: Math.max(1, end.ColumnNumber ?? column),
      field: '',
      message: m.Message ?? '',
      severity: level === 'error' ? 'error' : 'warning',
      rule: m.Rule?.Id ?? 'cfn-lint',
      level,
    };
  });
}
