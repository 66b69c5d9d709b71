import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import { runProcess } from '../../core/exec';
import { parseImage, runtimeOfImage } from '../../core/processMode';

/**
 * FROM in process mode: the image names a language runtime that must already be on this machine.
 * The image's tag is compared with the host's version and a difference is reported, not fatal.
 */
export interface HostRuntime {
  /** The image as written after substitution, e.g. `node:20-alpine`. */
  image: string;
  /** The runtime family: `node` or `python`. */
  name: string;
  /** Absolute path of the host binary. */
  binary: string;
  /** The host version, e.g. `20.20.2`. */
  version: string;
  /** Commands a Dockerfile uses for this runtime (CMD ["node", …]); rewritten to `binary`. */
  aliases: string[];
}

interface RuntimeSpec {
  command: string;
  aliases: string[];
  versionArgs: string[];
  install: string;
}

const RUNTIMES: Record<string, RuntimeSpec> = {
  node: { command: 'node', aliases: ['node', 'nodejs'], versionArgs: ['--version'], install: 'Install Node.js (https://nodejs.org) so that `node` is on the PATH.' },
  python: { command: 'python3', aliases: ['python', 'python3'], versionArgs: ['--version'], install: 'Install Python 3 so that `python3` is on the PATH.' },
};

export const SUPPORTED_IMAGES = Object.entries(RUNTIMES).map(([image, spec]) => `${image} (runs \`${spec.command}\`)`);

export { parseImage };

/** Throws with `where` ("Dockerfile:1") when the image maps to no runtime or the runtime is missing. */
export async function resolveRuntime(image: string, where: string, log: (line: string) => void, signal?: AbortSignal): Promise<HostRuntime> {
  const { tag } = parseImage(image);
  const name = runtimeOfImage(image) ?? parseImage(image).name;
  const spec = RUNTIMES[name];
  if (!spec) {
    throw new StagecraftError(`${where}: FROM ${image} has no runtime on this machine. Process mode runs the Dockerfile on the host, so the image must name a runtime installed here: ${SUPPORTED_IMAGES.join(', ')}.`, {
      kind: 'unavailable',
      hint: 'Use FROM node:<version> or FROM python:<version>, or deploy this service with a provider that runs containers (aws).',
    });
  }
  const binary = await findOnPath(spec.command);
  if (!binary) {
    throw new StagecraftError(`${where}: FROM ${image} needs \`${spec.command}\` on this machine, and it is not on the PATH.`, { kind: 'unavailable', hint: spec.install });
  }
  const version = await hostVersion(binary, spec.versionArgs, signal);
  const wanted = tag ? /^(\d+(?:\.\d+){0,2})(?:$|[-.])/.exec(tag)?.[1] : undefined;
  if (wanted) {
    const have = version.split('.').slice(0, wanted.split('.').length).join('.');
    const major = wanted.split('.')[0] !== version.split('.')[0];
    if (have !== wanted) log(`${major ? 'warning' : 'note'}: ${where}: FROM ${image} asks for ${name} ${wanted}, this machine has ${version}; the artifact runs with ${binary} (${version}).`);
    else log(`note: ${where}: FROM ${image} → ${binary} (${name} ${version}) of this machine.`);
  } else {
    log(`note: ${where}: FROM ${image} → ${binary} (${name} ${version}) of this machine.`);
  }
  return { image, name, binary, version, aliases: spec.aliases };
}

const versions = new Map<string, Promise<string>>();

async function hostVersion(binary: string, args: string[], signal?: AbortSignal): Promise<string> {
  let found = versions.get(binary);
  if (!found) {
    found = runProcess(binary, args, { cwd: path.dirname(binary), signal, keepOutput: 1000 }).then(r => {
      const m = /(\d+\.\d+(?:\.\d+)?)/.exec(r.output);
      if (r.code !== 0 || !m) throw new StagecraftError(`Could not read the version of ${binary}: ${r.output.trim() || `exit code ${r.code}`}`);
      return m[1];
    });
    versions.set(binary, found);
    found.catch(() => versions.delete(binary));
  }
  return found;
}

export async function findOnPath(command: string, searchPath = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      await fs.access(candidate, constants.X_OK);
      if ((await fs.stat(candidate)).isFile()) return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}
