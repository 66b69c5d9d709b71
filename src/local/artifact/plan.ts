import * as posix from 'node:path/posix';
import { columnOf, envOf, execForm, type Instruction } from '../../core/dockerfile';
import { StagecraftError } from '../../core/errors';
import { splitOsPackages, type OsPackageInstall } from '../../core/osPackages';
import { analyseDockerfile, argPairs, PROCESS_MODE_INSTRUCTIONS, type CompatFinding } from '../../core/processMode';
import { substitute } from './substitute';

/**
 * The Dockerfile subset of process mode (README: "Process mode"); what is refused, skipped or
 * emulated is decided by core/processMode.ts before anything runs:
 *
 *   FROM image[:tag] [AS name]   each stage builds in its own root; the image must name a runtime
 *                      on this machine (node → `node`, python → `python3`; a major-version mismatch
 *                      is a warning); `FROM <stage>` starts from a copy of that stage. Only the
 *                      stages the last one needs are built; the last one is the artifact.
 *   WORKDIR path       created inside the stage's root (`/app` → `<root>/app`).
 *   COPY / ADD         local paths of the build context (.dockerignore honoured, wildcards,
 *                      --chmod; --chown ignored), or `--from=<stage>` paths of an earlier stage.
 *                      ADD also unpacks a local .tar/.tar.gz/.tgz/.tar.bz2/.tar.xz.
 *   RUN                run on the host in the WORKDIR inside the stage with ARG, ENV, PATH and
 *                      HOME; OS package installs (apt-get, apk, yum, dnf) are taken out and never run.
 *   ENV, ARG           ARG takes its default (there are no build arguments); both substitute
 *                      `$NAME`/`${NAME}` in FROM, WORKDIR, COPY, ADD, ENV and EXPOSE.
 *   EXPOSE             the first port is recorded.
 *   CMD, ENTRYPOINT    combined as Docker does; shell form becomes ['/bin/sh', '-c', line].
 */
export const SUPPORTED_INSTRUCTIONS = PROCESS_MODE_INSTRUCTIONS;

export interface WorkdirStep {
  kind: 'workdir';
  line: number;
  text: string;
  path: string;
}

export interface CopyStep {
  kind: 'copy';
  line: number;
  text: string;
  add: boolean;
  /** Sources as written (after substitution); may hold wildcards. Context-relative, or container paths of stage `from`. */
  sources: string[];
  /** Absolute container path. */
  dest: string;
  /** The destination is a folder whatever exists there (trailing "/", ".", or several sources). */
  destIsDir: boolean;
  chmod?: number;
  /** Index of the stage copied from (`COPY --from=builder`); the build context when absent. */
  from?: number;
}

export interface RunStep {
  kind: 'run';
  line: number;
  text: string;
  /** Shell form, run with /bin/sh -c (OS package parts taken out). */
  shell?: string;
  /** Exec form. */
  argv?: string[];
  workdir: string;
  /** ARG and ENV values in force for this RUN. */
  env: Record<string, string>;
  /** OS packages the Dockerfile installs here, which process mode does not install. */
  osPackages?: OsPackageInstall[];
  /** Nothing is left to run once the OS package part is out. */
  skip?: boolean;
}

export type BuildStep = WorkdirStep | CopyStep | RunStep;

export interface StagePlan {
  index: number;
  name?: string;
  /** The image whose runtime the stage uses (a base stage's, for `FROM <stage>`). */
  image: string;
  fromLine: number;
  /** The stage it starts from. */
  base?: number;
  steps: BuildStep[];
  workdir: string;
  env: Record<string, string>;
  exposedPort?: number;
  command: string[];
}

export interface BuildPlan {
  /** The final stage's runtime image, FROM line, steps, WORKDIR and ENV. */
  image: string;
  fromLine: number;
  steps: BuildStep[];
  workdir: string;
  env: Record<string, string>;
  exposedPort?: number;
  /** The final argv with container paths, before mapping into the artifact. */
  command: string[];
  /** The stages to build, in order; the last is the artifact. */
  stages: StagePlan[];
  /** Lines about ignored, skipped and emulated instructions, for the build log. */
  notes: string[];
  findings: CompatFinding[];
}

/**
 * Reads a Dockerfile into build steps, checking every instruction before anything runs.
 * `file` names the Dockerfile in messages; `baseEnv` seeds substitution (PATH of the host).
 */
export function planBuild(text: string, file: string, baseEnv: Record<string, string> = {}): BuildPlan {
  const fail = (ins: Instruction, message: string, hint?: string, word?: string): never => {
    throw new StagecraftError(`${file}:${ins.line}:${word ? columnOf(ins, word) : ins.column}: ${message}`, { kind: 'input', hint });
  };
  const analysis = analyseDockerfile(text);
  const refusals = analysis.findings.filter(f => f.action === 'refuse');
  if (refusals.length > 0) {
    const [first] = refusals;
    const more = refusals.length > 1 ? ` (${refusals.length - 1} more: \`stagecraft validate\` lists them all)` : '';
    throw new StagecraftError(`${first.line ? `${file}:${first.line}:${first.column}` : file}: ${first.reason}${more}`, { kind: 'input', hint: first.fix });
  }
  // FROM's stand-in is logged when the runtime is resolved; the rest goes to the build log as notes.
  const notes = analysis.findings.filter(f => f.action !== 'refuse' && !(f.keyword === 'FROM' && f.action === 'emulate')).map(f => `note: ${file}:${f.line}: ${f.keyword === 'RUN' || f.keyword === 'COPY' || f.keyword === 'ADD' || f.keyword === 'FROM' ? `${f.keyword}: ` : ''}${f.reason}`);
  const planned = new Map<number, StagePlan>();
  for (const stage of analysis.stages) {
    if (!stage.needed) continue;
    const base = stage.base !== undefined ? planned.get(stage.base)! : undefined;
    const args = new Map<string, string>();
    const env = new Map<string, string>(Object.entries(base?.env ?? {}));
    const vars = () => new Map<string, string>([...Object.entries(baseEnv), ...args, ...env]);
    const steps: BuildStep[] = [];
    let workdir = base?.workdir ?? '/';
    let exposedPort: number | undefined;
    let cmd: Instruction | undefined;
    let entrypoint: Instruction | undefined;
    for (const ins of stage.instructions) {
      const text = `${ins.keyword} ${ins.raw}`;
      switch (ins.keyword) {
        case 'ARG':
          for (const [name, value] of argPairs(ins.raw)) {
            const resolved = value !== undefined ? substitute(value, vars()) : analysis.globalArgs.get(name);
            if (resolved !== undefined) args.set(name, resolved);
          }
          break;
        case 'ENV': {
          const parsed = envOf([{ ...ins, raw: substitute(ins.raw, vars()) }]);
          if (parsed.size === 0) fail(ins, `cannot read "ENV ${ins.raw}": expected NAME=value.`);
          for (const [name, { value }] of parsed) env.set(name, value);
          break;
        }
        case 'WORKDIR': {
          const dir = substitute(ins.raw, vars()).trim();
          if (!dir) fail(ins, 'WORKDIR names no folder.');
          workdir = containerPath(posix.isAbsolute(dir) ? dir : posix.join(workdir, dir));
          steps.push({ kind: 'workdir', line: ins.line, text, path: workdir });
          break;
        }
        case 'COPY':
        case 'ADD':
          steps.push(copyStep(ins, substitute(ins.raw, vars()), workdir, text, analysis.copyFrom.get(ins), fail));
          break;
        case 'RUN': {
          const raw = ins.raw.replace(/^(--\S+\s+)+/, '');
          if (!raw) fail(ins, 'RUN has no command.');
          const runEnv = Object.fromEntries([...args, ...env]);
          const argv = execForm(raw);
          const os = splitOsPackages(argv ? argv.join(' ') : raw);
          const base = { kind: 'run' as const, line: ins.line, text, workdir, env: runEnv, ...(os ? { osPackages: os.installs, skip: !os.rest } : {}) };
          if (os) steps.push({ ...base, shell: os.rest });
          else steps.push(argv ? { ...base, argv } : { ...base, shell: raw });
          break;
        }
        case 'EXPOSE': {
          const m = /^(\d+)(?:\/(?:tcp|udp))?\b/i.exec(substitute(ins.raw, vars()).trim());
          if (!m) fail(ins, `cannot read "EXPOSE ${ins.raw}": expected a port number.`);
          exposedPort ??= Number(m![1]);
          break;
        }
        case 'CMD':
          cmd = ins;
          break;
        case 'ENTRYPOINT':
          entrypoint = ins;
          break;
        default:
          // Skipped instructions (USER, LABEL…): the analysis noted them.
          break;
      }
    }
    const own = command(entrypoint, cmd);
    planned.set(stage.index, {
      index: stage.index,
      name: stage.name,
      image: base ? base.image : stage.image,
      fromLine: stage.from.line,
      base: stage.base,
      steps,
      workdir,
      env: Object.fromEntries(env),
      exposedPort: exposedPort ?? base?.exposedPort,
      command: entrypoint || cmd ? own : base?.command ?? [],
    });
  }
  const stages = [...planned.values()];
  const last = stages[stages.length - 1];
  return { image: last.image, fromLine: last.fromLine, steps: last.steps, workdir: last.workdir, env: last.env, exposedPort: last.exposedPort, command: last.command, stages, notes, findings: analysis.findings };
}

/** An absolute container path, normalized, without a trailing slash. */
function containerPath(p: string): string {
  const normal = posix.normalize(p);
  return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
}

/** ENTRYPOINT and CMD as Docker combines them. */
function command(entrypoint: Instruction | undefined, cmd: Instruction | undefined): string[] {
  const argv = (ins: Instruction) => execForm(ins.raw) ?? ['/bin/sh', '-c', ins.raw];
  if (entrypoint) {
    const ep = execForm(entrypoint.raw);
    if (!ep) return ['/bin/sh', '-c', entrypoint.raw];
    return cmd ? [...ep, ...argv(cmd)] : ep;
  }
  return cmd ? argv(cmd) : [];
}

function copyStep(
  ins: Instruction,
  raw: string,
  workdir: string,
  text: string,
  from: number | undefined,
  fail: (ins: Instruction, message: string, hint?: string, word?: string) => never,
): CopyStep {
  const add = ins.keyword === 'ADD';
  let rest = raw;
  let chmod: number | undefined;
  for (;;) {
    const flag = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest);
    if (!flag) break;
    rest = rest.slice(flag[0].length);
    const [, name, value] = flag;
    if (name === 'chmod') {
      if (!value || !/^[0-7]{3,4}$/.test(value)) fail(ins, `${ins.keyword} --chmod=${value ?? ''}: expected an octal mode such as 755.`, undefined, '--chmod');
      chmod = parseInt(value!, 8);
    }
    // --from is resolved by the analysis; --chown and --link change nothing here.
  }
  const words = execForm(rest) ?? rest.split(/\s+/).filter(Boolean);
  if (words.length < 2) fail(ins, `${ins.keyword} needs at least one source and a destination.`);
  const sources = words.slice(0, -1);
  const destRaw = words[words.length - 1];
  const dest = containerPath(posix.isAbsolute(destRaw) ? destRaw : posix.join(workdir, destRaw));
  const destIsDir = destRaw.endsWith('/') || destRaw === '.' || destRaw.endsWith('/.') || sources.length > 1;
  return { kind: 'copy', line: ins.line, text, add, sources, dest, destIsDir, chmod, ...(from !== undefined ? { from } : {}) };
}
