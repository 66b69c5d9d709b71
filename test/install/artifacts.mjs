// What the install tests install: the linux-x64 and universal .vsix from scripts/package.mjs and the
// CLI tarball from scripts/pack-cli.mjs, built once per test run into a temporary folder.
// Packaging builds dist/ with --production; the development bundle is rebuilt afterwards so the
// other suites find dist/ as `npm run build` left it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
let built;

export function artifacts() {
  if (built) return built;
  const out = mkdtempSync(join(tmpdir(), 'stagecraft-install-artifacts-'));
  const node = args => execFileSync(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  try {
    node(['scripts/package.mjs', '--target', 'linux-x64', '--universal', '--out', out]);
    node(['scripts/pack-cli.mjs', '--no-build', '--out', out]);
  } finally {
    node(['esbuild.mjs']);
  }
  const find = re => {
    const name = readdirSync(out).find(f => re.test(f));
    if (!name) throw new Error(`no ${re} in ${out}: ${readdirSync(out).join(', ')}`);
    return join(out, name);
  };
  built = {
    dir: out,
    linuxVsix: find(/-linux-x64-.*\.vsix$/),
    universalVsix: find(/-universal-.*\.vsix$/),
    cliTarball: find(/\.tgz$/),
    remove: () => rmSync(out, { recursive: true, force: true }),
  };
  return built;
}

/** Entries of a zip (.vsix) with their unix mode, read with Info-ZIP's zipinfo. */
export function zipEntries(file) {
  const listing = execFileSync('zipinfo', ['-l', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return listing
    .split('\n')
    .map(line => /^([-dl][rwxsStT-]{9})\s+\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+(.+)$/.exec(line))
    .filter(Boolean)
    .map(([, mode, size, path]) => ({ path, mode, size: Number(size) }));
}
