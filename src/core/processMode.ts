import { columnOf, execForm, parseDockerfile, type Instruction } from './dockerfile';
import { splitOsPackages } from './osPackages';
import type { Problem } from './problems';
import { substitute } from './substitute';

/**
 * What "process mode" (the local provider running a Dockerfile on the host) does with each
 * instruction, decided before anything runs. One analysis serves the build (its refusals are the
 * build's errors), `stagecraft validate` and the editor's Problems.
 *
 * Stages: every `FROM … AS name` is a stage with its own root; `FROM <earlier stage>` starts from a
 * copy of it; `COPY --from=<stage>` copies from it; only stages the last one needs are built.
 */
export type CompatAction = 'emulate' | 'skip' | 'refuse';

export interface CompatFinding {
  line: number;
  column: number;
  endColumn: number;
  keyword: string;
  action: CompatAction;
  reason: string;
  fix: string;
}

export interface DockerfileStage {
  index: number;
  name?: string;
  /** The FROM instruction. */
  from: Instruction;
  /** The image after ARG substitution, or the base stage's name. */
  image: string;
  /** Index of the stage this one starts from (`FROM builder AS final`). */
  base?: number;
  /** Instructions after FROM, up to the next FROM. */
  instructions: Instruction[];
  /** The final stage needs it (directly or not). */
  needed: boolean;
}

export interface DockerfileAnalysis {
  instructions: Instruction[];
  /** ARG values declared before the first FROM. */
  globalArgs: Map<string, string>;
  stages: DockerfileStage[];
  findings: CompatFinding[];
  /** Stage index each COPY --from resolves to (only references that resolve to an earlier stage). */
  copyFrom: Map<Instruction, number>;
}

/** Image name → the host command that stands in for it. `nodejs20-debian12` (distroless) counts as node. */
export const PROCESS_MODE_RUNTIMES: Record<string, string> = { node: 'node', python: 'python3' };

/** `docker.io/library/node:20-alpine@sha256:…` → { name: 'node', tag: '20-alpine' }. */
export function parseImage(image: string): { name: string; tag?: string } {
  const lastSegment = image.split('/').pop() ?? image;
  const withoutDigest = lastSegment.split('@')[0];
  const [name, tag] = withoutDigest.split(':');
  return { name: name.toLowerCase(), tag };
}

/** The runtime family (`node`, `python`) an image stands for in process mode, if any. */
export function runtimeOfImage(image: string): string | undefined {
  const { name } = parseImage(image);
  return Object.keys(PROCESS_MODE_RUNTIMES).find(r => name === r || name.startsWith(r));
}

const IGNORED: Record<string, string> = {
  USER: 'processes run as the user running Stagecraft',
  LABEL: 'labels have no meaning for a local process',
  MAINTAINER: 'labels have no meaning for a local process',
  HEALTHCHECK: "the stage's health check is service.healthCheck in stagecraft.yaml",
  STOPSIGNAL: 'a stage stops its process with SIGTERM, then SIGKILL',
  VOLUME: 'the artifact folder is the only file system; data belongs in the stage database',
};
const REFUSED: Record<string, string> = {
  SHELL: 'RUN always uses /bin/sh -c in process mode',
  ONBUILD: 'triggers for images built FROM this one have no meaning without images',
};
export const PROCESS_MODE_INSTRUCTIONS = ['FROM', 'WORKDIR', 'COPY', 'ADD', 'RUN', 'ENV', 'ARG', 'EXPOSE', 'CMD', 'ENTRYPOINT'];
const ESCAPE_HATCH = 'or point service.dockerfile at a Dockerfile written for process mode, or deploy this service to an aws stage (real containers)';

export function analyseDockerfile(text: string): DockerfileAnalysis {
  const instructions = parseDockerfile(text);
  const findings: CompatFinding[] = [];
  const find = (ins: Instruction, action: CompatAction, reason: string, fix: string, word?: string) => {
    const column = word ? columnOf(ins, word) : ins.column;
    const endColumn = word && column !== ins.column ? column + word.length : ins.column + ins.keyword.length;
    findings.push({ line: ins.line, column, endColumn, keyword: ins.keyword, action, reason, fix });
  };
  const globalArgs = new Map<string, string>();
  const stages: DockerfileStage[] = [];
  const copyFrom = new Map<Instruction, number>();

  // Pass 1: stages, their names and bases.
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const words = substitute(ins.raw, globalArgs).split(/\s+/).filter(w => w && !w.startsWith('--platform'));
      const name = words.length === 3 && words[1].toLowerCase() === 'as' ? words[2] : undefined;
      if (!words[0]) find(ins, 'refuse', 'FROM names no image.', 'Write FROM node:<version> or FROM python:<version>.');
      else if (words.length > 1 && !name) find(ins, 'refuse', `cannot read "FROM ${ins.raw}".`, 'Write FROM <image>[:tag] [AS name].');
      if (name) {
        const earlier = stages.find(s => s.name?.toLowerCase() === name.toLowerCase());
        if (earlier) find(ins, 'refuse', `stage name "${name}" is already used by the stage at line ${earlier.from.line}.`, 'Give each stage its own name.', name);
      }
      const image = words[0] ?? '';
      const base = stages.find(s => s.name !== undefined && s.name.toLowerCase() === image.toLowerCase());
      stages.push({ index: stages.length, name, from: ins, image, base: base?.index, instructions: [], needed: false });
      continue;
    }
    const stage = stages.at(-1);
    if (stage) stage.instructions.push(ins);
    else if (ins.keyword === 'ARG') for (const [k, v] of argPairs(ins.raw)) { if (v !== undefined) globalArgs.set(k, substitute(v, globalArgs)); }
    else find(ins, 'refuse', `${ins.keyword} before FROM: a Dockerfile starts with FROM (only ARG may come before it).`, 'Move it below FROM.');
  }
  if (stages.length === 0) {
    findings.push({ line: 1, column: 1, endColumn: 2, keyword: 'FROM', action: 'refuse', reason: 'no FROM instruction.', fix: 'Start the Dockerfile with FROM node:<version> or FROM python:<version>.' });
    return { instructions, globalArgs, stages, findings, copyFrom };
  }

  // Pass 2: what each COPY --from names; every reference is resolved before judging cycles.
  const refs: Array<{ ins: Instruction; stage: number; value: string; target?: number }> = [];
  for (const stage of stages) {
    for (const ins of stage.instructions) {
      if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') continue;
      const m = /(?:^|\s)--from=(\S+)/.exec(ins.raw);
      if (!m) continue;
      const value = substitute(m[1], globalArgs);
      const target = /^\d+$/.test(value) ? (Number(value) < stages.length ? Number(value) : undefined) : stages.find(s => s.name?.toLowerCase() === value.toLowerCase())?.index;
      refs.push({ ins, stage: stage.index, value, target });
    }
  }
  const deps = (i: number) => [...(stages[i].base !== undefined ? [stages[i].base!] : []), ...refs.filter(r => r.stage === i && r.target !== undefined).map(r => r.target!)];
  const pathBetween = (from: number, to: number, seen = new Set<number>()): number[] | undefined => {
    if (from === to) return [to];
    if (seen.has(from)) return undefined;
    seen.add(from);
    for (const d of deps(from)) {
      const rest = pathBetween(d, to, seen);
      if (rest) return [from, ...rest];
    }
    return undefined;
  };
  const label = (i: number) => stages[i].name ?? String(i);
  for (const r of refs) {
    const word = `--from=${r.ins.raw.match(/--from=(\S+)/)![1]}`;
    if (r.target === undefined) {
      const names = stages.filter(s => s.name).map(s => s.name!);
      if (/[:/@.]/.test(r.value) || runtimeOfImage(r.value)) {
        find(r.ins, 'refuse', `${r.ins.keyword} --from=${r.value} copies from an image; process mode has no images, only the stages of this Dockerfile.`, `Copy from a stage of this Dockerfile (FROM … AS name), or install what you need in a RUN, ${ESCAPE_HATCH}.`, word);
      } else {
        find(r.ins, 'refuse', `${r.ins.keyword} --from=${r.value}: no stage is named "${r.value}"${names.length ? ` (stages: ${names.join(', ')})` : ''}.`, 'Name the stage with FROM <image> AS <name>, or fix the name.', word);
      }
    } else if (r.target >= r.stage) {
      const cycle = pathBetween(r.target, r.stage);
      if (cycle) find(r.ins, 'refuse', `cyclic --from: ${[label(r.stage), ...cycle.map(label)].join(' → ')}.`, 'A stage can only copy from stages that do not depend on it; move the shared files into an earlier stage.', word);
      else find(r.ins, 'refuse', `${r.ins.keyword} --from=${r.value} names a stage that starts later (line ${stages[r.target].from.line}).`, 'Move that stage above this one.', word);
    } else {
      copyFrom.set(r.ins, r.target);
    }
  }

  // Which stages the last one needs.
  const mark = (i: number) => {
    if (stages[i].needed) return;
    stages[i].needed = true;
    for (const d of deps(i)) if (d < i) mark(d);
  };
  mark(stages.length - 1);

  for (const stage of stages) {
    const from = stage.from;
    if (!stage.needed) {
      find(from, 'skip', `stage ${stage.name ?? stage.index} is not built: the final stage does not copy from it.`, 'Nothing to do; remove the stage if it is unused.');
      continue;
    }
    if (stage.base !== undefined) find(from, 'emulate', `starts from a copy of stage "${label(stage.base)}" (its files, ENV and WORKDIR).`, 'Nothing to do.');
    else if (stage.image) {
      const runtime = runtimeOfImage(stage.image);
      if (runtime) find(from, 'emulate', `no image: \`${PROCESS_MODE_RUNTIMES[runtime]}\` of this machine stands in for ${stage.image} (a major-version mismatch is a build warning).`, `Install ${runtime} in the version the tag names if they differ.`, stage.image);
      else find(from, 'refuse', `FROM ${stage.image} names no runtime process mode has: ${Object.entries(PROCESS_MODE_RUNTIMES).map(([i, c]) => `${i} (\`${c}\`)`).join(', ')}.`, `Use FROM node:<version> or FROM python:<version>, ${ESCAPE_HATCH}.`, stage.image);
    }
    for (const ins of stage.instructions) classify(ins, find);
  }
  findings.sort((a, b) => a.line - b.line || a.column - b.column);
  return { instructions, globalArgs, stages, findings, copyFrom };
}

function classify(ins: Instruction, find: (ins: Instruction, action: CompatAction, reason: string, fix: string, word?: string) => void): void {
  switch (ins.keyword) {
    case 'RUN': {
      const flag = /^--(\S+)/.exec(ins.raw);
      if (flag && /^mount=type=cache\b/.test(flag[1])) find(ins, 'emulate', 'the cache mount is dropped; the command runs as is (Stagecraft keeps its own build cache).', 'Nothing to do.', `--${flag[1]}`);
      else if (flag) find(ins, 'refuse', `RUN --${flag[1]} is not supported in process mode.`, 'Use a plain RUN command.', `--${flag[1]}`);
      if (/^(--\S+\s+)*<<-?\s*["']?\w/.test(ins.raw)) find(ins, 'refuse', 'RUN with a heredoc is not supported in process mode.', 'Put the commands on one line joined with &&, or in a script file you COPY.');
      const command = execForm(ins.raw.replace(/^(--\S+\s+)+/, ''))?.join(' ') ?? ins.raw.replace(/^(--\S+\s+)+/, '');
      const os = splitOsPackages(command);
      if (os) {
        const list = os.installs.map(i => `${i.manager}: ${i.packages.join(', ')}`).join('; ') || 'package lists only';
        if (!os.rest) find(ins, 'skip', `installs OS packages (${list}); process mode never changes the host${os.whole ? ' (the whole RUN is left out)' : ''}. The build says which are present here.`, 'Install what the app needs at run time on this machine.');
        else find(ins, 'emulate', `runs without its OS package part (${list}): \`${os.rest}\`.`, 'Install what the app needs at run time on this machine.');
      }
      if (/\bpip3?\s+install\b[^&;|]*--user\b|\bnpm\s+(?:install|i)\b[^&;|]*(?:\s-g\b|--global\b)|\bpip3?\s+install\b[^&;|]*--prefix\b/.test(command)) {
        find(ins, 'emulate', 'user and global installs go inside the artifact (pip --user → its /root/.local, npm -g → its /usr/local); their bin folders are on PATH at build and start.', 'Nothing to do.');
      }
      return;
    }
    case 'COPY':
    case 'ADD': {
      for (const m of ins.raw.matchAll(/(?:^|\s)--([a-z-]+)(?:=(\S*))?/g)) {
        if (m[1] === 'chown') find(ins, 'skip', '--chown is ignored: files belong to the user running Stagecraft.', 'Nothing to do.', `--chown`);
        else if (!['from', 'link', 'chmod'].includes(m[1])) find(ins, 'refuse', `${ins.keyword} --${m[1]} is not supported in process mode.`, `Leave out --${m[1]}.`, `--${m[1]}`);
      }
      const url = /(?:^|\s)((?:[a-z][a-z0-9+.-]*:\/\/|git@)\S+)/i.exec(ins.raw);
      if (url) find(ins, 'refuse', `${ins.keyword} ${url[1]}: URLs are not supported in process mode; only files of the build context.`, 'Download the file in a RUN step, or add it to the repository.', url[1]);
      return;
    }
    default:
      if (PROCESS_MODE_INSTRUCTIONS.includes(ins.keyword)) return;
      if (IGNORED[ins.keyword]) find(ins, 'skip', `${ins.keyword} is ignored in process mode: ${IGNORED[ins.keyword]}.`, 'Nothing to do.');
      else if (REFUSED[ins.keyword]) find(ins, 'refuse', `${ins.keyword} is not supported in process mode: ${REFUSED[ins.keyword]}.`, `Remove it, ${ESCAPE_HATCH}.`);
      else find(ins, 'refuse', `unknown instruction "${ins.keyword}".`, `Process mode supports ${PROCESS_MODE_INSTRUCTIONS.join(', ')}.`);
  }
}

export function argPairs(raw: string): Array<[string, string | undefined]> {
  const out: Array<[string, string | undefined]> = [];
  for (const m of raw.matchAll(/([A-Za-z_][A-Za-z0-9_]*)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g)) {
    let value = m[2];
    if (value?.startsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    else if (value?.startsWith("'")) value = value.slice(1, -1);
    out.push([m[1], value]);
  }
  return out;
}

/** The findings as editor/CLI problems: refusals are errors, skips and emulations warnings. */
export function compatProblems(file: string, findings: CompatFinding[]): Problem[] {
  return findings.map(f => ({
    file,
    line: f.line,
    column: f.column,
    endLine: f.line,
    endColumn: f.endColumn,
    field: f.keyword,
    message: `${f.action === 'refuse' ? 'process mode cannot run this' : f.action === 'skip' ? 'skipped in process mode' : 'emulated in process mode'}: ${f.reason} Fix: ${f.fix}`,
    severity: f.action === 'refuse' ? 'error' : 'warning',
  }));
}
