import type { Document, Node } from 'yaml';
import type { EnvValue } from '../model';
import { formatFieldPath, type Problem } from '../problems';

/** The parts of a stage that drift compares, as the file declares them. */
export interface DriftStage {
  name: string;
  env: Record<string, EnvValue>;
  origins: string[];
  database: string;
}

/** Something the stage before `stage` has and `stage` lacks. */
export interface DriftFinding {
  /** Index of the downstream stage (the one that lacks it). */
  index: number;
  stage: string;
  upstream: string;
  kind: 'variable' | 'secret' | 'origin' | 'database';
  /** The variable name, the origin, or the database engine. */
  key: string;
  /** What the upstream stage has, to copy (a secret by reference only: never a value). */
  value: EnvValue;
  message: string;
}

/**
 * Configuration drift across stages in promotion order: each stage against the one before it.
 * A variable, secret reference or origin the upstream stage has and the downstream one lacks, or
 * a database only upstream, usually means the next promotion meets a stage that is not ready.
 */
export function stageDrift(stages: readonly DriftStage[]): DriftFinding[] {
  const out: DriftFinding[] = [];
  for (let i = 1; i < stages.length; i++) {
    const up = stages[i - 1];
    const down = stages[i];
    const add = (kind: DriftFinding['kind'], key: string, value: EnvValue, what: string) =>
      out.push({ index: i, stage: down.name, upstream: up.name, kind, key, value, message: `${what} that ${up.name} (the stage before it) has is missing from ${down.name}: copy it from ${up.name} or set it for ${down.name}` });
    for (const [name, value] of Object.entries(up.env)) {
      if (name in down.env) continue;
      if (typeof value === 'object') add('secret', name, value, `the secret reference ${name} (${value.secret})`);
      else add('variable', name, value, `the variable ${name}`);
    }
    for (const origin of up.origins) if (!down.origins.includes(origin)) add('origin', origin, origin, `the origin ${origin}`);
    if (up.database !== 'none' && down.database === 'none') add('database', 'database', up.database, `a ${up.database} database`);
  }
  return out;
}

/**
 * Drift findings as warnings at each downstream stage's `name`, for `validate` and the editor.
 * Kept out of parsing itself: drift is advice about a valid file, not part of its validity.
 */
export function driftProblems(loaded: { stack?: { stages: DriftStage[] }; document: Document; text: string; file: string }): Problem[] {
  if (!loaded.stack) return [];
  return stageDrift(loaded.stack.stages).map(d => {
    const node = loaded.document.getIn(['stages', d.index, 'name'], true) as Node | undefined;
    const [start, end] = node?.range ?? [0, 0];
    const a = position(loaded.text, start);
    const b = position(loaded.text, end);
    return { file: loaded.file, line: a.line, column: a.column, endLine: b.line, endColumn: b.column, field: formatFieldPath(['stages', d.index]), message: d.message, severity: 'warning', code: DRIFT_CODE };
  });
}

export const DRIFT_CODE = 'stage-drift';

function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
