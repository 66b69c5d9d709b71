import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../core/support/repoRoot';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const root = repoRoot();
export const CLI = join(root, 'dist', 'cli.js');

function newestSource(): number {
  let newest = 0;
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  visit(join(root, 'src'));
  for (const file of ['package.json', 'esbuild.mjs']) newest = Math.max(newest, statSync(join(root, file)).mtimeMs);
  return newest;
}

function isFresh(): boolean {
  return existsSync(CLI) && statSync(CLI).mtimeMs >= newestSource();
}

/** Runs `npm run build` when dist/cli.js is missing or older than any source. */
export function ensureCliBuilt(): void {
  if (isFresh()) return;
  const started = Date.now();
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8', timeout: 180_000 });
  // Another bundle failing (a webview in progress) does not stop the CLI bundle from being written;
  // a source saved during the build does not make this build's bundle stale for this run.
  const written = existsSync(CLI) && statSync(CLI).mtimeMs >= started - 2000;
  if (!written) throw new Error(`npm run build did not produce a fresh dist/cli.js (exit ${build.status}):\n${build.stdout}\n${build.stderr}`);
}

/** Runs `node dist/cli.js ...args` in `cwd` with the given environment additions. */
export function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise(resolve => {
    execFile(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Output lines without the trailing empty one. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l, i, all) => !(l === '' && i === all.length - 1));
}

/** An environment where the machine's own git configuration cannot leak in. */
export function isolatedEnv(home: string): NodeJS.ProcessEnv {
  return { HOME: home, USER: 'os-user', GIT_CONFIG_NOSYSTEM: '1', GIT_CEILING_DIRECTORIES: join(home, '..'), NO_COLOR: '1' };
}
