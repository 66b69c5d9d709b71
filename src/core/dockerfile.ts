/**
 * A Dockerfile reader: instructions with their line numbers, continuation lines joined,
 * exec (JSON) and shell forms both understood. Create Stack and the local provider use it.
 */
export interface Instruction {
  keyword: string;
  /** The arguments as written, continuations joined. */
  raw: string;
  /** 1-based line where the instruction starts. */
  line: number;
  /** 1-based column of the keyword on that line. */
  column: number;
  /** The first physical line as written, to place a column on a word of it. */
  source: string;
}

/** The 1-based column of `word` on the instruction's first line (after the keyword), or the keyword's. */
export function columnOf(ins: Instruction, word: string): number {
  const at = ins.source.indexOf(word, ins.column - 1 + ins.keyword.length);
  return at >= 0 ? at + 1 : ins.column;
}

export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  let escape = '\\';
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i];
    const source = line;
    const directive = /^#\s*escape\s*=\s*(\S)/i.exec(line);
    if (directive && out.length === 0) escape = directive[1];
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.trimEnd().endsWith(escape) && i + 1 < lines.length) {
      line = line.trimEnd().slice(0, -1);
      i++;
      while (i < lines.length && /^\s*#/.test(lines[i])) i++;
      line += ' ' + (lines[i] ?? '').trim();
    }
    const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(line);
    if (m) out.push({ keyword: m[1].toUpperCase(), raw: m[2].trim(), line: start + 1, column: line.length - line.trimStart().length + 1, source });
  }
  return out;
}

/** Exec form `["node", "server.js"]` as a list, or undefined for the shell form. */
export function execForm(raw: string): string[] | undefined {
  if (!raw.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) && parsed.every(p => typeof p === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** A command as one shell line, whichever form it was written in. */
export function commandLine(raw: string): string {
  const exec = execForm(raw);
  return exec ? exec.map(quoteIfNeeded).join(' ') : raw;
}

function quoteIfNeeded(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The first port an EXPOSE instruction names. */
export function exposedPort(instructions: Instruction[]): number | undefined {
  for (const ins of instructions) {
    if (ins.keyword !== 'EXPOSE') continue;
    const m = /^(\d+)/.exec(ins.raw);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** The last CMD, as Docker uses only the last one. */
export function startCommand(instructions: Instruction[]): string | undefined {
  const cmd = [...instructions].reverse().find(i => i.keyword === 'CMD');
  return cmd ? commandLine(cmd.raw) : undefined;
}

/** ENV in both `ENV A=1 B="two"` and legacy `ENV A 1` forms. */
export function envOf(instructions: Instruction[]): Map<string, { value: string; line: number }> {
  const env = new Map<string, { value: string; line: number }>();
  for (const ins of instructions) {
    if (ins.keyword !== 'ENV') continue;
    if (!ins.raw.includes('=') || /^\S+\s/.test(ins.raw) && !/^\S+=/.test(ins.raw)) {
      const m = /^(\S+)\s+(.*)$/.exec(ins.raw);
      if (m) env.set(m[1], { value: m[2], line: ins.line });
      continue;
    }
    for (const m of ins.raw.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)) {
      let value = m[2];
      if (value.startsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
      else if (value.startsWith("'")) value = value.slice(1, -1);
      env.set(m[1], { value, line: ins.line });
    }
  }
  return env;
}
