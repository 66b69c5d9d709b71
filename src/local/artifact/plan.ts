import * as posix from 'node:path/posix';
import { envOf, execForm, parseDockerfile, type Instruction } from '../../core/dockerfile';
import { StagecraftError } from '../../core/errors';
import { substitute } from './substitute';

/**
 * The Dockerfile subset of process mode (README: "Process mode"):
 *
 *   FROM image[:tag]   one stage only; the image must name a runtime on this machine:
 *                      node → `node`, python → `python3` (the tag's version is checked, a
 *                      mismatch is a warning). ARG before FROM may set its tag.
 *   WORKDIR path       created inside the artifact (`/app` → `<artifact>/fs/app`).
 *   COPY / ADD         local paths of the build context (the workspace root) only, .dockerignore
 *                      honoured, wildcards allowed, --chmod applied, --chown ignored; no URLs and
 *                      no --from. ADD also unpacks a local .tar/.tar.gz/.tgz/.tar.bz2/.tar.xz.
 *   RUN                shell or exec form, run on the host in the current WORKDIR inside the
 *                      artifact with ARG and ENV so far, PATH and HOME. Absolute paths in the
 *                      command mean the host's, not the artifact's (a warning says so).
 *   ENV, ARG           ARG takes its default (there are no build arguments); both substitute
 *                      `$NAME`/`${NAME}` in FROM, WORKDIR, COPY, ADD, ENV and EXPOSE.
 *   EXPOSE             the first port is recorded.
 *   CMD, ENTRYPOINT    combined as Docker does into the command's argv; shell form becomes
 *                      ['/bin/sh', '-c', line].
 *   USER, LABEL, MAINTAINER, HEALTHCHECK   ignored with a note (the stage's health check is
 *                      `service.healthCheck` in stagecraft.yaml).
 * Anything else (VOLUME, SHELL, STOPSIGNAL, ONBUILD, a second FROM, RUN --mount, heredocs) is an
 * error naming file:line.
 */
export const SUPPORTED_INSTRUCTIONS = ['FROM', 'WORKDIR', 'COPY', 'ADD', 'RUN', 'ENV', 'ARG', 'EXPOSE', 'CMD', 'ENTRYPOINT'];
const IGNORED: Record<string, string> = {
  USER: 'processes run as the user running Stagecraft',
  LABEL: 'labels have no meaning for a local process',
  MAINTAINER: 'labels have no meaning for a local process',
  HEALTHCHECK: "the stage's health check is service.healthCheck in stagecraft.yaml",
};

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
  /** Context-relative sources as written (after substitution); may hold wildcards. */
  sources: string[];
  /** Absolute container path. */
  dest: string;
  /** The destination is a folder whatever exists there (trailing "/", ".", or several sources). */
  destIsDir: boolean;
  chmod?: number;
}

export interface RunStep {
  kind: 'run';
  line: number;
  text: string;
  /** Shell form, run with /bin/sh -c. */
  shell?: string;
  /** Exec form. */
  argv?: string[];
  workdir: string;
  /** ARG and ENV values in force for this RUN. */
  env: Record<string, string>;
}

export type BuildStep = WorkdirStep | CopyStep | RunStep;

export interface BuildPlan {
  image: string;
  fromLine: number;
  steps: BuildStep[];
  workdir: string;
  env: Record<string, string>;
  exposedPort?: number;
  /** The final argv with container paths, before mapping into the artifact. */
  command: string[];
  /** Lines about ignored instructions, for the build log. */
  notes: string[];
}

/**
 * Reads a Dockerfile into build steps, checking every instruction before anything runs.
 * `file` names the Dockerfile in messages; `baseEnv` seeds substitution (PATH of the host).
 */
export function planBuild(text: string, file: string, baseEnv: Record<string, string> = {}): BuildPlan {
  const at = (ins: Instruction) => `${file}:${ins.line}`;
  const fail = (ins: Instruction, message: string, hint?: string): never => {
    throw new StagecraftError(`${at(ins)}: ${message}`, { kind: 'input', hint });
  };
  const instructions = parseDockerfile(text);
  const globalArgs = new Map<string, string>();
  const args = new Map<string, string>();
  const env = new Map<string, string>();
  const vars = () => new Map<string, string>([...Object.entries(baseEnv), ...args, ...env]);
  const steps: BuildStep[] = [];
  const notes: string[] = [];
  let image: string | undefined;
  let fromLine = 0;
  let workdir = '/';
  let exposedPort: number | undefined;
  let cmd: Instruction | undefined;
  let entrypoint: Instruction | undefined;

  for (const ins of instructions) {
    const text = `${ins.keyword} ${ins.raw}`;
    if (image === undefined && ins.keyword !== 'FROM' && ins.keyword !== 'ARG') {
      fail(ins, `${ins.keyword} before FROM: a Dockerfile starts with FROM (only ARG may come before it).`);
    }
    switch (ins.keyword) {
      case 'FROM': {
        if (image !== undefined) fail(ins, `a second FROM (the first is at line ${fromLine}): multi-stage builds are not supported in process mode.`, 'Use one stage; build steps go in RUN.');
        const words = substitute(ins.raw, globalArgs).split(/\s+/).filter(w => !w.startsWith('--platform'));
        if (!words[0]) fail(ins, 'FROM names no image.');
        if (words.length > 1 && !(words.length === 3 && words[1].toLowerCase() === 'as')) fail(ins, `cannot read "FROM ${ins.raw}".`);
        image = words[0];
        fromLine = ins.line;
        break;
      }
      case 'ARG':
        for (const [name, value] of argPairs(ins.raw, ins, fail)) {
          if (image === undefined) {
            if (value !== undefined) globalArgs.set(name, substitute(value, globalArgs));
          } else {
            const resolved = value !== undefined ? substitute(value, vars()) : globalArgs.get(name);
            if (resolved !== undefined) args.set(name, resolved);
          }
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
        steps.push(copyStep(ins, substitute(ins.raw, vars()), workdir, text, notes, at(ins), fail));
        break;
      case 'RUN': {
        if (ins.raw.startsWith('--')) fail(ins, `RUN ${ins.raw.split(/\s/)[0]} is not supported in process mode.`, 'Use a plain RUN command.');
        if (/^<<-?\s*["']?\w/.test(ins.raw)) fail(ins, 'RUN with a heredoc is not supported in process mode.', 'Put the commands on one line joined with &&, or in a script file you COPY.');
        if (!ins.raw) fail(ins, 'RUN has no command.');
        const runEnv = Object.fromEntries([...args, ...env]);
        const argv = execForm(ins.raw);
        steps.push(argv ? { kind: 'run', line: ins.line, text, argv, workdir, env: runEnv } : { kind: 'run', line: ins.line, text, shell: ins.raw, workdir, env: runEnv });
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
        if (IGNORED[ins.keyword]) {
          notes.push(`note: ${at(ins)}: ${ins.keyword} is ignored in process mode: ${IGNORED[ins.keyword]}.`);
          break;
        }
        fail(
          ins,
          /^(VOLUME|SHELL|STOPSIGNAL|ONBUILD)$/.test(ins.keyword)
            ? `${ins.keyword} is not supported in process mode.`
            : `unknown instruction "${ins.keyword}".`,
          `Process mode supports ${SUPPORTED_INSTRUCTIONS.join(', ')}; ${Object.keys(IGNORED).join(', ')} are ignored.`,
        );
    }
  }
  if (image === undefined) {
    throw new StagecraftError(`${file}: no FROM instruction.`, { kind: 'input', hint: 'Start the Dockerfile with FROM node:<version> or FROM python:<version>.' });
  }
  return { image, fromLine, steps, workdir, env: Object.fromEntries(env), exposedPort, command: command(entrypoint, cmd), notes };
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

function argPairs(raw: string, ins: Instruction, fail: (ins: Instruction, message: string) => never): Array<[string, string | undefined]> {
  const out: Array<[string, string | undefined]> = [];
  for (const m of raw.matchAll(/([A-Za-z_][A-Za-z0-9_]*)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g)) {
    let value = m[2];
    if (value?.startsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    else if (value?.startsWith("'")) value = value.slice(1, -1);
    out.push([m[1], value]);
  }
  if (out.length === 0) fail(ins, `cannot read "ARG ${raw}": expected NAME or NAME=default.`);
  return out;
}

function copyStep(
  ins: Instruction,
  raw: string,
  workdir: string,
  text: string,
  notes: string[],
  where: string,
  fail: (ins: Instruction, message: string, hint?: string) => never,
): CopyStep {
  const add = ins.keyword === 'ADD';
  let rest = raw;
  let chmod: number | undefined;
  for (;;) {
    const flag = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest);
    if (!flag) break;
    rest = rest.slice(flag[0].length);
    const [, name, value] = flag;
    if (name === 'from') fail(ins, `${ins.keyword} --from copies from another image or stage, which process mode does not have.`, 'Copy from the build context only.');
    else if (name === 'chown') notes.push(`note: ${where}: --chown is ignored in process mode: files belong to the user running Stagecraft.`);
    else if (name === 'link') continue;
    else if (name === 'chmod' && value && /^[0-7]{3,4}$/.test(value)) chmod = parseInt(value, 8);
    else fail(ins, `${ins.keyword} --${name}${value !== undefined ? '=' + value : ''} is not supported in process mode.`);
  }
  const words = execForm(rest) ?? rest.split(/\s+/).filter(Boolean);
  if (words.length < 2) fail(ins, `${ins.keyword} needs at least one source and a destination.`);
  const sources = words.slice(0, -1);
  const destRaw = words[words.length - 1];
  for (const src of sources) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(src) || /^git@/.test(src)) fail(ins, `${ins.keyword} ${src}: URLs are not supported in process mode; only files of the build context.`, 'Download the file in a RUN step, or add it to the repository.');
  }
  const dest = containerPath(posix.isAbsolute(destRaw) ? destRaw : posix.join(workdir, destRaw));
  const destIsDir = destRaw.endsWith('/') || destRaw === '.' || destRaw.endsWith('/.') || sources.length > 1;
  return { kind: 'copy', line: ins.line, text, add, sources, dest, destIsDir, chmod };
}
