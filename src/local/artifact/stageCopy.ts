import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import { compilePattern, hasGlob } from './patterns';
import type { CopyStep } from './plan';

/** A container path inside a stage's root folder. */
function inRoot(root: string, containerPath: string): string {
  return path.join(root, path.posix.normalize('/' + containerPath));
}

/** A whole stage root, for `FROM <stage>`: links kept as links, modes kept. */
export async function copyTree(from: string, to: string): Promise<void> {
  await fs.mkdir(path.dirname(to), { recursive: true });
  await fs.cp(from, to, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
}

/**
 * `COPY --from=<stage> src… dest`: sources are container paths of that stage (relative ones from
 * its `/`), a wildcard allowed in the last segment. A folder's contents are copied, as Docker does.
 */
export async function copyFromStage(step: CopyStep, fromRoot: string, toRoot: string, where: string, log: (line: string) => void): Promise<void> {
  const dest = inRoot(toRoot, step.dest);
  const matches: string[] = [];
  for (const src of step.sources) {
    const container = path.posix.normalize('/' + src);
    const base = path.posix.basename(container);
    if (hasGlob(base)) {
      const dir = inRoot(fromRoot, path.posix.dirname(container));
      const re = compilePattern(base);
      const names = (await fs.readdir(dir).catch(() => [] as string[])).filter(n => re.test(n)).sort();
      if (names.length === 0) throw notFound(where, src, 'nothing matches it');
      matches.push(...names.map(n => path.join(dir, n)));
    } else {
      const abs = inRoot(fromRoot, container);
      if (!(await fs.lstat(abs).catch(() => undefined))) throw notFound(where, src, 'it does not exist there (did an earlier RUN of that stage create it?)');
      matches.push(abs);
    }
  }
  const intoFolder = step.destIsDir || matches.length > 1 || (await fs.stat(dest).then(s => s.isDirectory(), () => false));
  let copied = 0;
  for (const abs of matches) {
    const stat = await fs.stat(abs);
    const target = stat.isDirectory() ? dest : intoFolder ? path.join(dest, path.basename(abs)) : dest;
    await fs.mkdir(stat.isDirectory() ? target : path.dirname(target), { recursive: true });
    await fs.cp(abs, target, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true, force: true });
    if (step.chmod !== undefined) await chmodTree(target, step.chmod);
    copied++;
  }
  log(`  ${copied} path${copied === 1 ? '' : 's'} from the stage → ${step.dest}`);
}

async function chmodTree(p: string, mode: number): Promise<void> {
  const stat = await fs.lstat(p);
  if (stat.isSymbolicLink()) return;
  await fs.chmod(p, mode | (stat.isDirectory() ? 0o700 : 0));
  if (stat.isDirectory()) for (const name of await fs.readdir(p)) await chmodTree(path.join(p, name), mode);
}

function notFound(where: string, src: string, why: string): StagecraftError {
  return new StagecraftError(`${where}: COPY --from source "${src}" was not found in that stage: ${why}.`, { kind: 'failure', hint: 'Check the path against the WORKDIR and RUN steps of the stage it copies from.' });
}
