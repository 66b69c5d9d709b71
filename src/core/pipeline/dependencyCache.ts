import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError } from '../errors';
import type { RunResult } from '../exec';

/**
 * The unit-test and lint steps need the service's dependencies (dev ones included) in the
 * exported commit. Every commit is exported to a folder of its own, so without a cache each
 * commit paid a full `npm ci`. Installs are kept under `<cacheDir>/<key>/node_modules`, keyed by
 * package.json, package-lock.json, Node's version and the platform, and linked into the export:
 * a commit that leaves the lockfile alone starts its checks at once.
 *
 * A package.json with install scripts of its own (prepare, postinstall, …) may need the rest of
 * the tree while installing, so it is installed in the export itself.
 */
export interface InstallContext {
  /** Runs a shell command for the step (logged); resolves with its result. */
  run(command: string, cwd: string): Promise<RunResult>;
  log(line: string): void;
}

const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepublish', 'preprepare', 'prepare', 'postprepare'];

export async function installNodeDependencies(dir: string, cacheDir: string, ctx: InstallContext): Promise<void> {
  if (await exists(path.join(dir, 'node_modules'))) return;
  const pkgText = await fs.readFile(path.join(dir, 'package.json'), 'utf8');
  const lockText = await fs.readFile(path.join(dir, 'package-lock.json'), 'utf8').catch(() => undefined);
  const command = lockText !== undefined ? 'npm ci --no-audit --no-fund' : 'npm install --no-audit --no-fund';
  if (lockText === undefined || hasInstallScripts(pkgText)) {
    await install(command, dir, ctx);
    return;
  }
  const key = createHash('sha256').update(`${process.version}\0${process.platform}\0${process.arch}\0${pkgText}\0${lockText}`).digest('hex').slice(0, 24);
  const cached = path.join(cacheDir, key);
  if (!(await exists(path.join(cached, 'node_modules')))) {
    await fs.mkdir(cacheDir, { recursive: true });
    const tmp = await fs.mkdtemp(path.join(cacheDir, `.tmp-${key}-`));
    try {
      await fs.writeFile(path.join(tmp, 'package.json'), pkgText);
      await fs.writeFile(path.join(tmp, 'package-lock.json'), lockText);
      await install(command, tmp, ctx);
      await fs.rename(tmp, cached).catch(async err => {
        // Another run installed the same key first: same content, keep theirs.
        if (!(await exists(path.join(cached, 'node_modules')))) throw err;
      });
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  } else {
    ctx.log(`dependencies: reusing the install of this package-lock.json (${path.basename(cacheDir)}/${key})`);
  }
  await fs.symlink(path.join(cached, 'node_modules'), path.join(dir, 'node_modules'), 'dir').catch(async err => {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  });
}

function hasInstallScripts(pkgText: string): boolean {
  try {
    const scripts = (JSON.parse(pkgText) as { scripts?: Record<string, unknown> }).scripts ?? {};
    return INSTALL_SCRIPTS.some(name => typeof scripts[name] === 'string');
  } catch {
    return true; // npm will say what is wrong with it, in the export
  }
}

async function install(command: string, cwd: string, ctx: InstallContext): Promise<void> {
  const result = await ctx.run(command, cwd);
  if (result.code === 0) return;
  if (/can only install packages when your package\.json and package-lock\.json[^\n]* are in sync/.test(result.output)) {
    // Common in real repositories whose Dockerfile runs `npm install` (which tolerates it): say so.
    const wanted = [...result.output.matchAll(/Invalid: lock file's (\S+) does not satisfy (\S+)/g)].map(m => `${m[1]} (package.json wants ${m[2]})`);
    const listed = wanted.length ? `: ${wanted.slice(0, 3).join(', ')}${wanted.length > 3 ? ` and ${wanted.length - 3} more` : ''}` : '';
    throw new StagecraftError(`package-lock.json is out of sync with package.json, so ${command} refused to install the dependencies for the checks${listed}.`, {
      kind: 'input',
      hint: 'Run `npm install` to update package-lock.json, commit it, and run again. The checks install exactly what the lockfile says, even where the Dockerfile runs `npm install`.',
    });
  }
  throw new StagecraftError(`Installing the service's dependencies failed (${command} exited ${result.code}).`, { hint: "See the run log for npm's output; fix package.json or package-lock.json and commit." });
}

async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}
