/** A problem found in a file, positioned for an editor diagnostic and a CLI line. Lines and columns are 1-based. */
export interface Problem {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** Field path such as `stages[1].region`; empty for problems of the whole file. */
  field: string;
  message: string;
  severity: 'error' | 'warning';
  /** Names the kind of problem where a quick fix exists for it (`stage-drift`). */
  code?: string;
}

/** `file:line:column: field: message`, the form editors and terminals turn into links. */
export function formatProblem(p: Problem): string {
  const where = `${p.file}:${p.line}:${p.column}`;
  return p.field ? `${where}: ${p.field}: ${p.message}` : `${where}: ${p.message}`;
}

export function formatFieldPath(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}
